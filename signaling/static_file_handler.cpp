#include "signaling/static_file_handler.hpp"

#include "signaling/static_files.hpp"

namespace medrelay::signaling {

std::variant<Response, http::response<http::file_body>> staticFileResponse(
    const std::filesystem::path& webRoot, const Request& request) {
  std::string target(request.target());
  std::string path(targetPath(target));
  // "/console" names a folder: send the browser to "/console/" so relative links resolve.
  if (path.size() > 1 && path.back() != '/' && resolveStaticFile(webRoot, path + "/")) {
    Response res{http::status::moved_permanently, request.version()};
    res.set(http::field::location, path + "/" + target.substr(path.size()));
    return res;
  }
  auto notFound = [&] {
    return jsonError(request, http::status::not_found, "not-found", "Not found.");
  };
  auto file = resolveStaticFile(webRoot, target);
  if (!file) return notFound();
  boost::beast::error_code ec;
  http::file_body::value_type body;
  body.open(file->c_str(), boost::beast::file_mode::scan, ec);
  if (ec || body.size() > kMaxStaticFileBytes) return notFound();
  const auto size = body.size();
  if (request.method() == http::verb::head) {
    // The length and type, not the bytes.
    Response head{http::status::ok, request.version()};
    head.set(http::field::content_type, contentTypeFor(*file));
    head.set(http::field::cache_control, "no-cache");
    head.content_length(size);
    return head;
  }
  http::response<http::file_body> res{std::piecewise_construct, std::make_tuple(std::move(body)),
                                      std::make_tuple(http::status::ok, request.version())};
  res.set(http::field::content_type, contentTypeFor(*file));
  res.set(http::field::cache_control, "no-cache");
  return res;
}

}  // namespace medrelay::signaling
