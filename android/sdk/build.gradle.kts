// The Kotlin SDK as an Android library: the uniffi-generated Kotlin (written to build/bindings/kotlin by
// scripts/generate-bindings.sh), the SDK layer from bindings/kotlin, JNA's Android AAR, and the Rust
// library cross-compiled by cargo-ndk into build/android/jniLibs/<abi>/libfieldcheck_ffi.so.
plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
}

val repoRoot = rootProject.projectDir.parentFile

android {
    namespace = "org.fieldcheck.sdk"
    compileSdk = 35

    defaultConfig {
        // java.time (Instant, LocalDate) in the generated code.
        minSdk = 26
        consumerProguardFiles("consumer-rules.pro")
    }

    sourceSets["main"].apply {
        java.srcDir(File(repoRoot, "bindings/kotlin/src/main/kotlin"))
        java.srcDir(File(repoRoot, "build/bindings/kotlin"))
        jniLibs.srcDir(File(repoRoot, "build/android/jniLibs"))
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

kotlin {
    compilerOptions {
        jvmTarget.set(org.jetbrains.kotlin.gradle.dsl.JvmTarget.JVM_17)
    }
}

dependencies {
    api("net.java.dev.jna:jna:5.19.1@aar")
    api("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.10.2")
}
