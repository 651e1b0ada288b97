// Error values and the Result/Status aliases used by every layer (STYLE.md section 3).
//
// Our code never throws: a function that can fail returns Result<T> (a value or an Error) or
// Status (nothing or an Error). tl::expected has the C++23 std::expected API, so switching means
// changing only the aliases below. Errors carry a code (a subset of abseil's) and a one-line
// message that names where and what ("pods.yaml:12: spec.containers[0]: unknown resource").
//
// Thread safety: values; safe to copy between threads.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace gpupack {

enum class ErrorCode {
  kInvalidArgument,     // bad user input: YAML, CSV, flags, API objects
  kNotFound,            // a named thing does not exist
  kAlreadyExists,       // a create found the thing already there
  kFailedPrecondition,  // the system is not in the state the operation needs
  kResourceExhausted,   // no capacity (no offering, no slot)
  kUnavailable,         // transient; retrying may succeed
  kAborted,             // conflict (optimistic concurrency); re-read and retry
  kDeadlineExceeded,    // a deadline passed
  kInternal,            // a bug or an impossible state reported by a dependency
};

// Returns the abseil-style name of `code` ("InvalidArgument").
std::string_view ErrorCodeName(ErrorCode code);

class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  ErrorCode code() const { return code_; }

  const std::string& message() const { return message_; }

  // Returns a copy whose message is "<context>: <message>", e.g. the file name in front of a
  // parser's line-numbered message.
  Error WithContext(std::string_view context) const;

  bool operator==(const Error& other) const = default;

 private:
  ErrorCode code_;
  std::string message_;
};

template <class T>
using Result = tl::expected<T, Error>;
using Status = Result<void>;

inline Status OkStatus() { return {}; }

// Constructors in abseil's style: `return InvalidArgumentError("...");` works in any function
// returning Result<T> or Status.
tl::unexpected<Error> MakeError(ErrorCode code, std::string message);
tl::unexpected<Error> InvalidArgumentError(std::string message);
tl::unexpected<Error> NotFoundError(std::string message);
tl::unexpected<Error> AlreadyExistsError(std::string message);
tl::unexpected<Error> FailedPreconditionError(std::string message);
tl::unexpected<Error> ResourceExhaustedError(std::string message);
tl::unexpected<Error> UnavailableError(std::string message);
tl::unexpected<Error> AbortedError(std::string message);
tl::unexpected<Error> DeadlineExceededError(std::string message);
tl::unexpected<Error> InternalError(std::string message);

}  // namespace gpupack

#define GP_INTERNAL_CONCAT2(a, b) a##b
#define GP_INTERNAL_CONCAT(a, b) GP_INTERNAL_CONCAT2(a, b)

// GP_TRY(expr): evaluates a Status or Result expression and returns its error from the calling
// function if it failed.
#define GP_TRY(expr)                                                                \
  do {                                                                              \
    auto&& gp_try_result_ = (expr);                                                 \
    if (!gp_try_result_) {                                                          \
      return ::tl::unexpected<::gpupack::Error>(std::move(gp_try_result_).error()); \
    }                                                                               \
  } while (false)

// GP_ASSIGN_OR_RETURN(lhs, expr): `lhs = *expr` on success, else returns the error.
// `lhs` may be a declaration: GP_ASSIGN_OR_RETURN(auto model, catalog.Find(name));
#define GP_ASSIGN_OR_RETURN(lhs, expr) \
  GP_INTERNAL_ASSIGN_OR_RETURN(GP_INTERNAL_CONCAT(gp_assign_result_, __LINE__), lhs, expr)

#define GP_INTERNAL_ASSIGN_OR_RETURN(tmp, lhs, expr)                   \
  auto tmp = (expr);                                                   \
  if (!tmp) {                                                          \
    return ::tl::unexpected<::gpupack::Error>(std::move(tmp).error()); \
  }                                                                    \
  lhs = std::move(*tmp)
