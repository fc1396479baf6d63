#ifndef STRATA_CCRYPTO_SHIM_H
#define STRATA_CCRYPTO_SHIM_H
// OpenSSL's libcrypto, for the SHA-256 (and git's SHA-1) of downloaded models.
// It is already on every machine that has libcurl's OpenSSL flavour; swift-crypto
// would compile BoringSSL from source, minutes on two cores, for the same digests.
#include <openssl/evp.h>
#endif
