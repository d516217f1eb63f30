#include "signaling/static_files.hpp"

namespace medrelay::signaling {

std::optional<std::string> percentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      auto hex = [](char h) -> int {
        if (h >= '0' && h <= '9') return h - '0';
        if (h >= 'a' && h <= 'f') return h - 'a' + 10;
        if (h >= 'A' && h <= 'F') return h - 'A' + 10;
        return -1;
      };
      int high = hex(text[i + 1]), low = hex(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      c = static_cast<char>(high * 16 + low);
      i += 2;
    }
    if (c == '\0') return std::nullopt;
    out.push_back(c);
  }
  return out;
}

std::optional<std::filesystem::path> resolveStaticFile(const std::filesystem::path& webRoot,
                                                       std::string_view target) {
  auto path = target.substr(0, target.find_first_of("?#"));
  auto decoded = percentDecode(path);
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
