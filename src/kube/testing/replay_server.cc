#include "kube/testing/replay_server.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <httplib.h>

namespace gpupack::kube::testing {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string PercentDecode(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else if (text[i] == '+') {
      out += ' ';
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace

std::string CanonicalTarget(const std::string& target) {
  size_t question = target.find('?');
  std::string path = target.substr(0, question);
  if (question == std::string::npos) {
    return path;
  }
  std::vector<std::string> params;
  std::stringstream query(target.substr(question + 1));
  std::string param;
  while (std::getline(query, param, '&')) {
    size_t equals = param.find('=');
    params.push_back(PercentDecode(param.substr(0, equals)) + "=" +
                     (equals == std::string::npos ? "" : PercentDecode(param.substr(equals + 1))));
  }
  std::sort(params.begin(), params.end());
  std::string out = path + "?";
  for (size_t i = 0; i < params.size(); ++i) {
    out += (i == 0 ? "" : "&") + params[i];
  }
  return out;
}

ReplayServer::ReplayServer(std::string capture_root, const std::string& testdata,
                           const std::string& client_ca_file)
    : capture_root_(std::move(capture_root)) {
  unauthorized_ = LoadResponse("04-wrong-token-401");
  LoopbackHttpsOptions options;
  options.client_ca_file = client_ca_file;
  https_ = std::make_unique<LoopbackHttps>(
      testdata,
      [this](const httplib::Request& request, httplib::Response& response) {
        Handle(request, response);
      },
      options);
}

ReplayServer::~ReplayServer() = default;

std::string ReplayServer::Url() const { return https_->Url(); }

std::string ReplayServer::Key(const std::string& method, const std::string& target) {
  return method + " " + CanonicalTarget(target);
}

std::pair<std::string, std::string> ReplayServer::LoadTarget(const std::string& dir) const {
  std::string request = ReadAll(capture_root_ + "/" + dir + "/request.txt");
  std::string line = request.substr(0, request.find('\n'));
  size_t space = line.find(' ');
  size_t second = line.find(' ', space + 1);
  return {line.substr(0, space), line.substr(space + 1, second - space - 1)};
}

std::string ReplayServer::LoadRequestBody(const std::string& dir) const {
  std::string json = ReadAll(capture_root_ + "/" + dir + "/request-body.json");
  return json.empty() ? ReadAll(capture_root_ + "/" + dir + "/request-body.yaml") : json;
}

ReplayResponse ReplayServer::LoadResponse(const std::string& dir) const {
  ReplayResponse response;
  std::string headers = ReadAll(capture_root_ + "/" + dir + "/response-headers.txt");
  std::stringstream lines(headers);
  std::string line;
  bool first = true;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (first) {
      response.status = std::stoi(line.substr(line.find(' ') + 1, 3));
      first = false;
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string::npos) {
      continue;
    }
    std::string name = line.substr(0, colon);
    std::string value = line.substr(colon + 2);
    std::string lower = Lower(name);
    if (lower == "transfer-encoding") {
      response.stream = true;
    } else if (lower != "content-length") {
      response.headers.emplace_back(name, value);
    }
  }
  response.body = ReadAll(capture_root_ + "/" + dir + "/response-body.json");
  // Only watches are streamed event by event; other chunked answers are sent whole (framing is
  // httplib's business; the body bytes are the captured ones).
  response.stream = response.stream && dir.find("watch") != std::string::npos;
  return response;
}

void ReplayServer::Serve(const std::string& dir) {
  Serve(dir, [](ReplayResponse&) {});
}

void ReplayServer::Serve(const std::string& dir, const std::function<void(ReplayResponse&)>& edit) {
  auto [method, target] = LoadTarget(dir);
  ReplayResponse response = LoadResponse(dir);
  edit(response);
  Script(method, target, std::move(response));
}

void ReplayServer::Script(const std::string& method, const std::string& target,
                          ReplayResponse response) {
  std::lock_guard lock(mu_);
  answers_[Key(method, target)].push_back(std::move(response));
}

void ReplayServer::RequireToken(const std::string& token) {
  std::lock_guard lock(mu_);
  required_token_ = token;
}

std::vector<RecordedRequest> ReplayServer::Requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

std::vector<std::string> ReplayServer::Unmatched() const {
  std::lock_guard lock(mu_);
  return unmatched_;
}

void ReplayServer::Handle(const httplib::Request& request, httplib::Response& response) {
  RecordedRequest recorded;
  recorded.method = request.method;
  recorded.target = request.target;
  for (const auto& [name, value] : request.headers) {
    recorded.headers.emplace(Lower(name), value);
  }
  recorded.body = request.body;
  ReplayResponse answer;
  {
    std::lock_guard lock(mu_);
    requests_.push_back(recorded);
    auto auth = recorded.headers.find("authorization");
    if (!required_token_.empty() &&
        (auth == recorded.headers.end() || auth->second != "Bearer " + required_token_)) {
      answer = unauthorized_;
    } else {
      auto it = answers_.find(Key(request.method, request.target));
      if (it == answers_.end() || it->second.empty()) {
        unmatched_.push_back(request.method + " " + request.target);
        response.status = 599;
        return;
      }
      answer = it->second.front();
      if (it->second.size() > 1) {
        it->second.pop_front();
      }
    }
  }
  response.status = answer.status;
  std::string content_type = "application/json";
  for (const auto& [name, value] : answer.headers) {
    if (Lower(name) == "content-type") {
      content_type = value;
    } else {
      response.set_header(name, value);
    }
  }
  if (!answer.stream) {
    response.set_content(answer.body, content_type.c_str());
    return;
  }
  auto lines = std::make_shared<std::vector<std::string>>();
  std::stringstream body(answer.body);
  std::string line;
  while (std::getline(body, line)) {
    lines->push_back(line + "\n");
  }
  size_t limit = answer.drop_after_lines.value_or(lines->size());
  auto next = std::make_shared<size_t>(0);
  response.set_chunked_content_provider(
      content_type, [lines, next, limit](size_t, httplib::DataSink& sink) {
        if (*next >= lines->size()) {
          sink.done();
          return true;
        }
        if (*next >= limit) {
          return false;  // drops the connection without the final chunk
        }
        const std::string& event = (*lines)[(*next)++];
        return sink.write(event.data(), event.size());
      });
}

}  // namespace gpupack::kube::testing
