package org.fieldcheck.sdk

import org.fieldcheck.ffi.AnswerInput
import org.fieldcheck.ffi.AnswerType
import org.fieldcheck.ffi.FieldcheckClient
import org.fieldcheck.ffi.FieldcheckException
import org.fieldcheck.ffi.PhotoRule
import org.fieldcheck.ffi.Verdict
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import java.time.LocalDate
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertTrue

class TemplatesTest {
    @TempDir
    lateinit var dir: Path
    private lateinit var client: FieldcheckClient

    @BeforeEach
    fun open() {
        client = FieldcheckClient.open(dir.resolve("data").toString())
    }

    @AfterEach
    fun close() = client.close()

    @Test
    fun `the three bundled checklists are listed with their item counts`() {
        client.templates().use { templates ->
            val counts = templates.list().associate { it.id to it.itemCount }
            assertEquals(mapOf("hazardous_waste_storage" to 26u, "emergency_preparedness" to 15u, "pollution_control_operation" to 17u), counts)
            assertEquals("危险废物贮存设施检查表", templates.get("hazardous_waste_storage").title.zh)
        }
    }

    @Test
    fun `an item carries bilingual text, answer type, photo rule and legal basis`() {
        val view = client.templates().use { it.get("hazardous_waste_storage") }
        val first = view.items.first()
        assertEquals("HW-01", first.code)
        assertTrue(first.text.zh.isNotBlank() && first.text.en.isNotBlank())
        assertEquals(AnswerType.YesNo, first.answer)
        assertEquals(PhotoRule.ALWAYS, first.photo)
        assertTrue(first.legalBasis.any { it.startsWith("GB 18597-2023") })
        assertTrue(first.clauseVerified)
        assertFalse(view.items.first { it.code == "HW-13" }.clauseVerified, "unverified clauses stay marked")
    }

    @Test
    fun `the core judges answers and refuses ones of the wrong type`() {
        val today = LocalDate.of(2026, 11, 29)
        client.templates().use { t ->
            assertEquals(Verdict.COMPLIANT, t.assess("hazardous_waste_storage", "HW-01", AnswerInput.Yes, today))
            assertEquals(Verdict.NON_COMPLIANT, t.assess("hazardous_waste_storage", "HW-01", AnswerInput.No, today))
            val wrong = assertFailsWith<FieldcheckException.InvalidInput> {
                t.assess("hazardous_waste_storage", "HW-01", AnswerInput.Number(3.0), today)
            }
            assertTrue(wrong.message!!.contains("HW-01"), "the message names the item: ${wrong.message}")
            assertFailsWith<FieldcheckException.NotFound> { t.get("no_such_checklist") }
        }
    }

    @Test
    fun `a credit code is checked with its check character`() {
        val ok = org.fieldcheck.ffi.checkCreditCode(" 91440300708461136t ")
        assertTrue(ok.valid)
        assertEquals("91440300708461136T", ok.normalized)
        val bad = org.fieldcheck.ffi.checkCreditCode("91440300708461136X")
        assertFalse(bad.valid)
        assertTrue(bad.problem!!.contains("check character should be T"), bad.problem)
    }
}
