/* drt_errors.h: HRESULT, its macros and every error code of OpenDRT (spec/api.md §1.3, §1.4, §2).
 *
 * C11 and C++11 or later. Values never change and are never reused; the text for each code is
 * returned by DrtErrorMessage() (drt.h). Each macro is defined only if not already defined, so a
 * program that also includes another header defining the Windows names still compiles. */
#ifndef OPENDRT_DRT_ERRORS_H
#define OPENDRT_DRT_ERRORS_H

#include <stdint.h>

#ifndef _HRESULT_DEFINED
#define _HRESULT_DEFINED
typedef int32_t HRESULT;
#endif

#ifndef SUCCEEDED
#define SUCCEEDED(hr) ((HRESULT)(hr) >= 0)
#endif
#ifndef FAILED
#define FAILED(hr) ((HRESULT)(hr) < 0)
#endif
#ifndef SEVERITY_SUCCESS
#define SEVERITY_SUCCESS 0
#endif
#ifndef SEVERITY_ERROR
#define SEVERITY_ERROR 1
#endif
#ifndef FACILITY_WIN32
#define FACILITY_WIN32 7
#endif
#ifndef FACILITY_DRT
#define FACILITY_DRT 98
#endif
#ifndef MAKE_HRESULT
#define MAKE_HRESULT(sev, fac, code) \
  ((HRESULT)(((uint32_t)(sev) << 31) | ((uint32_t)(fac) << 16) | (uint32_t)(code)))
#endif
#ifndef HRESULT_FROM_WIN32
#define HRESULT_FROM_WIN32(x) \
  ((HRESULT)(x) <= 0 ? (HRESULT)(x) : (HRESULT)(((uint32_t)(x) & 0xFFFFu) | 0x80070000u))
#endif

/* Builds an HRESULT constant from its documented 32-bit pattern (two's complement). */
#define OPENDRT_HR(pattern) ((HRESULT)(int32_t)(uint32_t)(pattern))

/* Generic codes (§1.3). */
#ifndef S_OK
#define S_OK OPENDRT_HR(0x00000000u)
#endif
#ifndef E_INVALIDARG
#define E_INVALIDARG OPENDRT_HR(0x80070057u)
#endif
#ifndef E_HANDLE
#define E_HANDLE OPENDRT_HR(0x80070006u)
#endif
#ifndef E_OUTOFMEMORY
#define E_OUTOFMEMORY OPENDRT_HR(0x8007000Eu)
#endif
#ifndef E_UNEXPECTED
#define E_UNEXPECTED OPENDRT_HR(0x8000FFFFu)
#endif
#ifndef E_FAIL
#define E_FAIL OPENDRT_HR(0x80004005u)
#endif
#ifndef E_NOTIMPL
#define E_NOTIMPL OPENDRT_HR(0x80004001u)
#endif
#ifndef E_POINTER
#define E_POINTER OPENDRT_HR(0x80004003u)
#endif
#ifndef E_ACCESSDENIED
#define E_ACCESSDENIED OPENDRT_HR(0x80070005u)
#endif

/* Operating-system errors (§1.4), rows 3-13 of the errno table, in order. [OpenDRT] */
#define DRT_HR_FILE_NOT_FOUND      OPENDRT_HR(0x80070002u)
#define DRT_HR_PATH_NOT_FOUND      OPENDRT_HR(0x80070003u)
#define DRT_HR_TOO_MANY_FILES      OPENDRT_HR(0x80072728u)
#define DRT_HR_AF_NOT_SUPPORTED    OPENDRT_HR(0x8007273Fu)
#define DRT_HR_ADDR_IN_USE         OPENDRT_HR(0x80072740u)
#define DRT_HR_ADDR_NOT_AVAILABLE  OPENDRT_HR(0x80072741u)
#define DRT_HR_NET_UNREACHABLE     OPENDRT_HR(0x80072743u)
#define DRT_HR_HOST_NOT_FOUND      OPENDRT_HR(0x80072AF9u)
#define DRT_HR_TRY_AGAIN           OPENDRT_HR(0x80072AFAu)
#define DRT_HR_NO_RECOVERY         OPENDRT_HR(0x80072AFBu)
#define DRT_HR_NO_DATA             OPENDRT_HR(0x80072AFCu)

/* DRT codes, facility 98 (§2.1). There is no code with low word 0x1003. */
#define DRT_E_TIMEOUT                            OPENDRT_HR(0x80621001u)
#define DRT_E_INVALID_KEY_SIZE                   OPENDRT_HR(0x80621002u)
#define DRT_E_INVALID_CERT_CHAIN                 OPENDRT_HR(0x80621004u)
#define DRT_E_INVALID_MESSAGE                    OPENDRT_HR(0x80621005u)
#define DRT_E_NO_MORE                            OPENDRT_HR(0x80621006u)
#define DRT_E_INVALID_MAX_ADDRESSES              OPENDRT_HR(0x80621007u)
#define DRT_E_SEARCH_IN_PROGRESS                 OPENDRT_HR(0x80621008u)
#define DRT_E_INVALID_KEY                        OPENDRT_HR(0x80621009u)
#define DRT_S_RETRY                              OPENDRT_HR(0x00621010u)
#define DRT_E_INVALID_MAX_ENDPOINTS              OPENDRT_HR(0x80621011u)
#define DRT_E_INVALID_SEARCH_RANGE               OPENDRT_HR(0x80621012u)
#define DRT_E_INVALID_PORT                       OPENDRT_HR(0x80622000u)
#define DRT_E_INVALID_TRANSPORT_PROVIDER         OPENDRT_HR(0x80622001u)
#define DRT_E_INVALID_SECURITY_PROVIDER          OPENDRT_HR(0x80622002u)
#define DRT_E_STILL_IN_USE                       OPENDRT_HR(0x80622003u)
#define DRT_E_INVALID_BOOTSTRAP_PROVIDER         OPENDRT_HR(0x80622004u)
#define DRT_E_INVALID_ADDRESS                    OPENDRT_HR(0x80622005u)
#define DRT_E_INVALID_SCOPE                      OPENDRT_HR(0x80622006u)
#define DRT_E_TRANSPORT_SHUTTING_DOWN            OPENDRT_HR(0x80622007u)
#define DRT_E_NO_ADDRESSES_AVAILABLE             OPENDRT_HR(0x80622008u)
#define DRT_E_DUPLICATE_KEY                      OPENDRT_HR(0x80622009u)
#define DRT_E_TRANSPORTPROVIDER_IN_USE           OPENDRT_HR(0x8062200Au)
#define DRT_E_TRANSPORTPROVIDER_NOT_ATTACHED     OPENDRT_HR(0x8062200Bu)
#define DRT_E_SECURITYPROVIDER_IN_USE            OPENDRT_HR(0x8062200Cu)
#define DRT_E_SECURITYPROVIDER_NOT_ATTACHED      OPENDRT_HR(0x8062200Du)
#define DRT_E_BOOTSTRAPPROVIDER_IN_USE           OPENDRT_HR(0x8062200Eu)
#define DRT_E_BOOTSTRAPPROVIDER_NOT_ATTACHED     OPENDRT_HR(0x8062200Fu)
#define DRT_E_TRANSPORT_ALREADY_BOUND            OPENDRT_HR(0x80622101u)
#define DRT_E_TRANSPORT_NOT_BOUND                OPENDRT_HR(0x80622102u)
#define DRT_E_TRANSPORT_UNEXPECTED               OPENDRT_HR(0x80622103u)
#define DRT_E_TRANSPORT_INVALID_ARGUMENT         OPENDRT_HR(0x80622104u)
#define DRT_E_TRANSPORT_NO_DEST_ADDRESSES        OPENDRT_HR(0x80622105u)
#define DRT_E_TRANSPORT_EXECUTING_CALLBACK       OPENDRT_HR(0x80622106u)
#define DRT_E_TRANSPORT_ALREADY_EXISTS_FOR_SCOPE OPENDRT_HR(0x80622107u)
#define DRT_E_INVALID_SETTINGS                   OPENDRT_HR(0x80622108u)
#define DRT_E_INVALID_SEARCH_INFO                OPENDRT_HR(0x80622109u)
#define DRT_E_FAULTED                            OPENDRT_HR(0x8062210Au)
#define DRT_E_TRANSPORT_STILL_BOUND              OPENDRT_HR(0x8062210Bu)
#define DRT_E_INSUFFICIENT_BUFFER                OPENDRT_HR(0x8062210Cu)
#define DRT_E_INVALID_INSTANCE_PREFIX            OPENDRT_HR(0x8062210Du)
#define DRT_E_INVALID_SECURITY_MODE              OPENDRT_HR(0x8062210Eu)
#define DRT_E_CAPABILITY_MISMATCH                OPENDRT_HR(0x8062210Fu)

/* OpenDRT extension codes (§2.2): 0x3000-0x30FF plugin loader, 0x3100-0x31FF configuration. */
#define DRT_E_PLUGIN_NOT_FOUND        OPENDRT_HR(0x80623001u)
#define DRT_E_PLUGIN_LOAD_FAILED      OPENDRT_HR(0x80623002u)
#define DRT_E_PLUGIN_INVALID          OPENDRT_HR(0x80623003u)
#define DRT_E_PLUGIN_ABI_MISMATCH     OPENDRT_HR(0x80623004u)
#define DRT_E_PLUGIN_NO_SUCH_PROVIDER OPENDRT_HR(0x80623005u)
#define DRT_E_CONFIG_SYNTAX           OPENDRT_HR(0x80623101u)
#define DRT_E_CONFIG_INVALID          OPENDRT_HR(0x80623102u)

#endif /* OPENDRT_DRT_ERRORS_H */
