/* Linux check of the generated C header the Swift package is built on: it must compile as C (with
 * clang's nullability keywords defined away for gcc), and one call through it into the host-built
 * library must work. scripts/test.sh compiles it with -fsyntax-only, then links and runs it. */
#include "FieldcheckFFIFFI.h"
#include <stdio.h>

int main(void) {
    RustCallStatus status = {0};
    uint64_t live = uniffi_fieldcheck_ffi_fn_func_live_objects(&status);
    if (status.code != 0) {
        fprintf(stderr, "live_objects failed with status %d\n", status.code);
        return 1;
    }
    /* The uniffi contract version the header was generated for must match the library's. */
    uint32_t contract = ffi_fieldcheck_ffi_uniffi_contract_version();
    printf("header check: live objects %llu, uniffi contract %u\n", (unsigned long long)live, contract);
    return live == 0 ? 0 : 1;
}
