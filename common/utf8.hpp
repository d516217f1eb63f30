// Checks on UTF-8 text that arrives from outside (messages people type, SDP): well-formedness
// per RFC 3629, the absence of control characters and of bidirectional controls. Stateless; any
// thread.
#pragma once

#include <cstddef>
#include <string_view>

namespace medrelay {

// Well-formed UTF-8 (RFC 3629 §3-4): no overlong forms, no surrogates (U+D800..U+DFFF),
// nothing beyond U+10FFFF, no truncated or stray continuation bytes.
inline bool validUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    size_t extra = c < 0x80           ? 0
                   : (c >> 5) == 0x6  ? 1
                   : (c >> 4) == 0xE  ? 2
                   : (c >> 3) == 0x1E ? 3
                                      : 9;
    if (extra == 9 || c == 0xC0 || c == 0xC1 || c > 0xF4 ||
        i + extra >= text.size() + (extra ? 0 : 1))
      return false;
    for (size_t k = 1; k <= extra; ++k)
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    if (extra == 2) {
      const auto c1 = static_cast<unsigned char>(text[i + 1]);
      if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0)) return false;
    } else if (extra == 3) {
      const auto c1 = static_cast<unsigned char>(text[i + 1]);
      if ((c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 >= 0x90)) return false;
    }
    i += 1 + extra;
  }
  return true;
}

// Whether well-formed UTF-8 `text` holds a control character (Unicode category Cc: C0
// U+0000..U+001F, DEL U+007F, C1 U+0080..U+009F) other than those in `allowed` (ASCII only).
// C1 controls are encoded C2 80..C2 9F; in valid UTF-8 those bytes mean nothing else.
inline bool hasControlCharacters(std::string_view text, std::string_view allowed = {}) {
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 || c == 0x7F) && allowed.find(static_cast<char>(c)) == std::string_view::npos)
      return true;
    if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(text[i + 1]) <= 0x9F)
      return true;
  }
  return false;
}

// Whether well-formed UTF-8 `text` holds a bidirectional embedding, override or isolate
// (U+202A..U+202E, U+2066..U+2069). These reorder what follows them on screen, so "left 5 mg"
// can be shown as something else than what was stored ("Trojan Source", CVE-2021-42574).
// Right-to-left scripts need none of them; the marks U+200E/U+200F/U+061C stay allowed.
inline bool hasBidiControls(std::string_view text) {
  for (size_t i = 0; i + 2 < text.size(); ++i) {
    if (static_cast<unsigned char>(text[i]) != 0xE2) continue;
    const auto c1 = static_cast<unsigned char>(text[i + 1]);
    const auto c2 = static_cast<unsigned char>(text[i + 2]);
    if ((c1 == 0x80 && c2 >= 0xAA && c2 <= 0xAE) || (c1 == 0x81 && c2 >= 0xA6 && c2 <= 0xA9))
      return true;
  }
  return false;
}

}  // namespace medrelay
