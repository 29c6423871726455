package org.fieldcheck.app

import android.content.Context
import android.net.ConnectivityManager
import android.net.NetworkCapabilities
import org.fieldcheck.ffi.Network

/**
 * Tells [changed] what the phone's default connection is now (unmetered Wi-Fi, metered data, none), so
 * the core can apply the originals upload policy. Close the result to stop watching.
 */
fun watchNetwork(context: Context, changed: (Network) -> Unit): AutoCloseable {
    val connectivity = context.getSystemService(ConnectivityManager::class.java)
    val callback = object : ConnectivityManager.NetworkCallback() {
        override fun onCapabilitiesChanged(network: android.net.Network, capabilities: NetworkCapabilities) {
            val unmetered = capabilities.hasCapability(NetworkCapabilities.NET_CAPABILITY_NOT_METERED)
            changed(if (unmetered) Network.UNMETERED else Network.METERED)
        }

        override fun onLost(network: android.net.Network) = changed(Network.OFFLINE)
    }
    connectivity.registerDefaultNetworkCallback(callback)
    return AutoCloseable { connectivity.unregisterNetworkCallback(callback) }
}
