#include "signaling/static_files.hpp"

#include "signaling/request_target.hpp"

namespace medrelay::signaling {

std::optional<std::filesystem::path> resolveStaticFile(const std::filesystem::path& webRoot,
                                                       std::string_view target) {
  auto path = target.substr(0, target.find_first_of("?#"));
  auto decoded = decodedPath(path);
  if (!decoded || decoded->empty() || decoded->front() != '/' || decoded->size() > 512) {
    return std::nullopt;
  }
  if (decoded->find("..") != std::string::npos || decoded->find('\\') != std::string::npos ||
      decoded->find("//") != std::string::npos) {
    return std::nullopt;
  }
  std::string relative = decoded->substr(1);
  if (relative.empty() || relative.back() == '/') relative += "index.html";
  std::error_code ec;
  auto root = std::filesystem::canonical(webRoot, ec);
  if (ec) return std::nullopt;
  auto file = std::filesystem::canonical(root / relative, ec);
  if (ec || !std::filesystem::is_regular_file(file, ec)) return std::nullopt;
  // After resolving symlinks the file must still lie inside the root.
  auto rootText = root.string() + "/";
  if (file.string().rfind(rootText, 0) != 0) return std::nullopt;
  return file;
}

std::string_view contentTypeFor(const std::filesystem::path& file) {
  auto extension = file.extension().string();
  if (extension == ".html") return "text/html; charset=utf-8";
  if (extension == ".js" || extension == ".mjs") return "text/javascript; charset=utf-8";
  if (extension == ".css") return "text/css; charset=utf-8";
  if (extension == ".json") return "application/json";
  if (extension == ".webmanifest") return "application/manifest+json";
  if (extension == ".svg") return "image/svg+xml";
  if (extension == ".png") return "image/png";
  if (extension == ".ico") return "image/x-icon";
  if (extension == ".yaml" || extension == ".yml") return "application/yaml";
  return "application/octet-stream";
}

}  // namespace medrelay::signaling
