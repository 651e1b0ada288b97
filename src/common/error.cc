#include "common/error.h"

namespace gpupack {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "InvalidArgument";
    case ErrorCode::kNotFound:
      return "NotFound";
    case ErrorCode::kAlreadyExists:
      return "AlreadyExists";
    case ErrorCode::kFailedPrecondition:
      return "FailedPrecondition";
    case ErrorCode::kResourceExhausted:
      return "ResourceExhausted";
    case ErrorCode::kUnavailable:
      return "Unavailable";
    case ErrorCode::kAborted:
      return "Aborted";
    case ErrorCode::kDeadlineExceeded:
      return "DeadlineExceeded";
    case ErrorCode::kInternal:
      return "Internal";
  }
  return "Unknown";
}

Error Error::WithContext(std::string_view context) const {
  std::string message(context);
  message += ": ";
  message += message_;
  return Error(code_, std::move(message));
}

tl::unexpected<Error> MakeError(ErrorCode code, std::string message) {
  return tl::unexpected<Error>(Error(code, std::move(message)));
}

tl::unexpected<Error> InvalidArgumentError(std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message));
}

tl::unexpected<Error> NotFoundError(std::string message) {
  return MakeError(ErrorCode::kNotFound, std::move(message));
}

tl::unexpected<Error> AlreadyExistsError(std::string message) {
  return MakeError(ErrorCode::kAlreadyExists, std::move(message));
}

tl::unexpected<Error> FailedPreconditionError(std::string message) {
  return MakeError(ErrorCode::kFailedPrecondition, std::move(message));
}

tl::unexpected<Error> ResourceExhaustedError(std::string message) {
  return MakeError(ErrorCode::kResourceExhausted, std::move(message));
}

tl::unexpected<Error> UnavailableError(std::string message) {
  return MakeError(ErrorCode::kUnavailable, std::move(message));
}

tl::unexpected<Error> AbortedError(std::string message) {
  return MakeError(ErrorCode::kAborted, std::move(message));
}

tl::unexpected<Error> DeadlineExceededError(std::string message) {
  return MakeError(ErrorCode::kDeadlineExceeded, std::move(message));
}

tl::unexpected<Error> InternalError(std::string message) {
  return MakeError(ErrorCode::kInternal, std::move(message));
}

}  // namespace gpupack
