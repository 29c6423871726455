package org.fieldcheck.app

import android.content.Context
import android.content.SharedPreferences
import androidx.security.crypto.EncryptedSharedPreferences
import androidx.security.crypto.MasterKeys
import org.fieldcheck.app.model.SavedSession
import org.fieldcheck.app.model.TokenStore

/** Keeps the platform token in preferences encrypted with a key held by the Android Keystore. */
class KeystoreTokenStore(private val context: Context) : TokenStore {
    private val preferences: SharedPreferences by lazy {
        EncryptedSharedPreferences.create(
            FILE,
            MasterKeys.getOrCreate(MasterKeys.AES256_GCM_SPEC),
            context,
            EncryptedSharedPreferences.PrefKeyEncryptionScheme.AES256_SIV,
            EncryptedSharedPreferences.PrefValueEncryptionScheme.AES256_GCM,
        )
    }

    override fun load(): SavedSession? {
        val url = preferences.getString(URL, null) ?: return null
        val token = preferences.getString(TOKEN, null) ?: return null
        return SavedSession(url, token)
    }

    override fun save(session: SavedSession) {
        preferences.edit().putString(URL, session.platformUrl).putString(TOKEN, session.token).apply()
    }

    private companion object {
        const val FILE = "fieldcheck_session"
        const val URL = "platform_url"
        const val TOKEN = "token"
    }
}
