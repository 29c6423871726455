package org.fieldcheck.app

import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.activity.viewModels
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.fieldcheck.app.ui.FieldcheckTheme
import org.fieldcheck.app.ui.FieldcheckApp

/** The only activity: hosts the Compose screens. */
class MainActivity : ComponentActivity() {
    private val viewModel: MainViewModel by viewModels()

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        setContent {
            val model by viewModel.model.collectAsStateWithLifecycle()
            val openError by viewModel.openError.collectAsStateWithLifecycle()
            val ready = model
            when {
                ready != null -> FieldcheckApp(ready)
                openError != null -> FieldcheckTheme {
                    Surface(Modifier.fillMaxSize()) {
                        Text(stringResource(R.string.open_failed, openError ?: ""), Modifier.padding(24.dp))
                    }
                }
            }
        }
    }
}
