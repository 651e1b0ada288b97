// Turns an API server's error answer (an HTTP status and, usually, a Status object) into one
// gpupack Error line that names the request ("patch nodes ip-10-0-1-10"), the HTTP code, the
// Status reason and message, and the distinct causes. The code mapping is in kube_client.h.
//
// Thread safety: pure functions.
#pragma once

#include <string_view>

#include "common/error.h"

namespace gpupack::kube {

// `what` names the request: "<verb> <resource> <object>". `body` is the response body (a Status
// object or anything else; non-JSON bodies are quoted, shortened).
Error ApiError(long http_status, std::string_view body, std::string_view what);

}  // namespace gpupack::kube
