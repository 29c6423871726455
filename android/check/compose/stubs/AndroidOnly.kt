// Desktop stand-ins for the few Android APIs the Compose screens call, so the screens compile and run on
// the host JVM against Compose Multiplatform (desktop). Never packaged: the app uses the real ones.
package androidx.compose.ui.res

import androidx.compose.runtime.Composable
import org.fieldcheck.app.R
import org.w3c.dom.Element
import java.io.File
import javax.xml.parsers.DocumentBuilderFactory

/**
 * The app's string resources read from `res/values<suffix>/strings.xml` (system property
 * `fieldcheck.res`, language `fieldcheck.lang`: "zh" for the default folder, "en" for values-en),
 * formatted the way Android does (`%1$s`, `\'`); the resource id only, without them.
 */
private object Strings {
    val table: Map<String, String> by lazy {
        val res = System.getProperty("fieldcheck.res") ?: return@lazy emptyMap()
        val folder = if (System.getProperty("fieldcheck.lang") == "en") "values-en" else "values"
        val defaults = read(File(res, "values/strings.xml"))
        defaults + read(File(res, "$folder/strings.xml"))
    }

    private fun read(file: File): Map<String, String> {
        val nodes = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file).getElementsByTagName("string")
        return (0 until nodes.length).map { nodes.item(it) as Element }.associate { e ->
            e.getAttribute("name") to e.textContent.replace("\\'", "'").replace("\\\"", "\"").replace("\\n", "\n")
        }
    }

    fun get(id: Int): String = R.string.names.getOrNull(id - 1)?.let { table[it] } ?: id.toString()
}

@Composable
fun stringResource(id: Int): String = Strings.get(id)

@Composable
fun stringResource(id: Int, vararg formatArgs: Any): String = String.format(Strings.get(id), *formatArgs)
