import java.io.FileInputStream;
import org.verapdf.gf.foundry.VeraGreenfieldFoundryProvider;
import org.verapdf.pdfa.Foundries;
import org.verapdf.pdfa.PDFAParser;
import org.verapdf.pdfa.PDFAValidator;
import org.verapdf.pdfa.results.TestAssertion;
import org.verapdf.pdfa.results.ValidationResult;

/** Validates each PDF against the PDF/A flavour it claims; prints one line per file and each failed rule. */
public class PdfaCheck {
    public static void main(String[] args) throws Exception {
        VeraGreenfieldFoundryProvider.initialise();
        boolean allCompliant = true;
        for (String file : args) {
            try (FileInputStream in = new FileInputStream(file);
                 PDFAParser parser = Foundries.defaultInstance().createParser(in);
                 PDFAValidator validator = Foundries.defaultInstance().createValidator(parser.getFlavour(), false)) {
                ValidationResult result = validator.validate(parser);
                System.out.println((result.isCompliant() ? "PASS " : "FAIL ") + result.getPDFAFlavour() + " " + file);
                for (TestAssertion a : result.getTestAssertions()) {
                    if (a.getStatus() == TestAssertion.Status.FAILED) {
                        System.out.println("  " + a.getRuleId().getClause() + "-" + a.getRuleId().getTestNumber()
                                + ": " + a.getMessage());
                    }
                }
                allCompliant &= result.isCompliant();
            }
        }
        System.exit(allCompliant ? 0 : 1);
    }
}
