package org.fieldcheck.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.text.input.PasswordVisualTransformation
import androidx.compose.ui.unit.dp
import org.fieldcheck.app.R
import org.fieldcheck.app.model.AppModel

/** Platform address, account and password; the core checks them against the platform. */
@Composable
fun SignInScreen(model: AppModel) {
    var url by rememberSaveable { mutableStateOfString("https://") }
    var login by rememberSaveable { mutableStateOfString("") }
    var password by rememberSaveable { mutableStateOfString("") }
    Column(Modifier.padding(24.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        Text(stringResource(R.string.app_name), style = MaterialTheme.typography.headlineMedium)
        OutlinedTextField(
            url,
            { url = it },
            Modifier.fillMaxWidth().testTag("platform-url"),
            label = { Text(stringResource(R.string.platform_url)) },
            singleLine = true,
            keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Uri),
        )
        OutlinedTextField(
            login,
            { login = it },
            Modifier.fillMaxWidth().testTag("login"),
            label = { Text(stringResource(R.string.login)) },
            singleLine = true,
        )
        OutlinedTextField(
            password,
            { password = it },
            Modifier.fillMaxWidth().testTag("password"),
            label = { Text(stringResource(R.string.password)) },
            singleLine = true,
            visualTransformation = PasswordVisualTransformation(),
            keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Password),
        )
        Button(onClick = { model.signIn(url, login, password) }, Modifier.fillMaxWidth()) {
            Text(stringResource(R.string.sign_in))
        }
    }
}

private fun mutableStateOfString(initial: String) = androidx.compose.runtime.mutableStateOf(initial)
