#include "json_lite.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <unordered_set>

namespace casm::io {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, uint32_t code) {
  if (code < 0x80) {
    out.push_back(static_cast<char>(code));
  } else if (code < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code >> 6)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else if (code < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  }
}

class Parser {
 public:
  explicit Parser(const std::string& s) : s_(s) {}

  JsonValue document() {
    auto v = value(0);
    skip_ws();
    if (i_ != s_.size()) fail("trailing characters");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("JSON " + what + " at offset " + std::to_string(i_));
  }

  void skip_ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t')) ++i_;
  }

  char peek() {
    skip_ws();
    if (i_ >= s_.size()) fail("unexpected end");
    return s_[i_];
  }

  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++i_;
  }

  bool literal(const char* word, size_t n) {
    if (s_.compare(i_, n, word) != 0) return false;
    i_ += n;
    return true;
  }

  // Recursion is bounded by kMaxJsonDepth, so the C++ stack cannot be exhausted by nesting.
  JsonValue value(int depth) {
    if (depth > kMaxJsonDepth) fail("nesting deeper than " + std::to_string(kMaxJsonDepth));
    JsonValue v;
    const char c = peek();
    if (c == '{') {
      v.kind = JsonValue::Object;
      ++i_;
      if (peek() == '}') return ++i_, v;
      std::unordered_set<std::string> seen;
      for (;;) {
        if (peek() != '"') fail("expected a string key");
        std::string key = string_literal();
        if (!seen.insert(key).second) fail("duplicate key \"" + key + "\"");
        expect(':');
        v.object.emplace_back(std::move(key), value(depth + 1));
        if (peek() == ',') {
          ++i_;
          continue;
        }
        expect('}');
        return v;
      }
    }
    if (c == '[') {
      v.kind = JsonValue::Array;
      ++i_;
      if (peek() == ']') return ++i_, v;
      for (;;) {
        v.array.push_back(value(depth + 1));
        if (peek() == ',') {
          ++i_;
          continue;
        }
        expect(']');
        return v;
      }
    }
    if (c == '"') {
      v.kind = JsonValue::String;
      v.string = string_literal();
      return v;
    }
    if (literal("true", 4)) return v.kind = JsonValue::Bool, v.boolean = true, v;
    if (literal("false", 5)) return v.kind = JsonValue::Bool, v;
    if (literal("null", 4)) return v;
    if (c == '-' || is_digit(c)) return number();
    fail("unexpected character");
  }

  // The RFC 8259 number grammar is checked here; strtod only converts text already known to be
  // valid, so its extensions (hex, inf, nan) can never be reached.
  JsonValue number() {
    const size_t start = i_;
    bool integral = true;
    if (s_[i_] == '-') ++i_;
    if (i_ >= s_.size() || !is_digit(s_[i_])) fail("bad number");
    if (s_[i_] == '0') {
      ++i_;
    } else {
      while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
    }
    if (i_ < s_.size() && s_[i_] == '.') {
      integral = false;
      ++i_;
      if (i_ >= s_.size() || !is_digit(s_[i_])) fail("bad number (no digit after '.')");
      while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      integral = false;
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (i_ >= s_.size() || !is_digit(s_[i_])) fail("bad number (no exponent digits)");
      while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
    }
    const std::string text = s_.substr(start, i_ - start);
    JsonValue v;
    v.kind = JsonValue::Number;
    v.number = std::strtod(text.c_str(), nullptr);
    // 1e400 would become infinity: refused, as a value no header field can hold (found by fuzzing).
    if (!std::isfinite(v.number)) fail("number out of range");
    if (integral) {
      errno = 0;
      const long long n = std::strtoll(text.c_str(), nullptr, 10);
      if (errno != ERANGE) {
        v.is_integer = true;
        v.integer = static_cast<int64_t>(n);
      }
    }
    return v;
  }

  uint32_t hex4() {
    if (i_ + 4 > s_.size()) fail("bad \\u escape (needs 4 hex digits)");
    uint32_t code = 0;
    for (int k = 0; k < 4; ++k) {
      const int d = hex_digit(s_[i_ + k]);
      if (d < 0) fail("bad \\u escape (needs 4 hex digits)");
      code = code * 16 + static_cast<uint32_t>(d);
    }
    i_ += 4;
    return code;
  }

  // A raw multi-byte character (its lead byte already consumed): copied if it is well-formed
  // UTF-8 (shortest form, no surrogates, at most U+10FFFF), as RFC 8259 requires of JSON text.
  void utf8_sequence(std::string& out, unsigned char lead) {
    size_t extra;
    uint32_t code, min;
    if (lead >= 0xC2 && lead <= 0xDF)
      extra = 1, code = lead & 0x1F, min = 0x80;
    else if (lead >= 0xE0 && lead <= 0xEF)
      extra = 2, code = lead & 0x0F, min = 0x800;
    else if (lead >= 0xF0 && lead <= 0xF4)
      extra = 3, code = lead & 0x07, min = 0x10000;
    else
      fail("invalid UTF-8 in a string");
    if (s_.size() - i_ < extra) fail("invalid UTF-8 in a string");
    for (size_t k = 0; k < extra; ++k) {
      const auto b = static_cast<unsigned char>(s_[i_ + k]);
      if ((b & 0xC0) != 0x80) fail("invalid UTF-8 in a string");
      code = (code << 6) | (b & 0x3F);
    }
    if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) fail("invalid UTF-8 in a string");
    out.push_back(static_cast<char>(lead));
    out.append(s_, i_, extra);
    i_ += extra;
  }

  std::string string_literal() {
    expect('"');
    std::string out;
    for (;;) {
      if (i_ >= s_.size()) fail("unterminated string");
      const char c = s_[i_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string");
      if (static_cast<unsigned char>(c) >= 0x80) {
        utf8_sequence(out, static_cast<unsigned char>(c));
        continue;
      }
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (i_ >= s_.size()) fail("unterminated string");
      const char e = s_[i_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out.push_back(e);
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'u': {
          uint32_t code = hex4();
          if (code >= 0xDC00 && code <= 0xDFFF) fail("bad \\u escape (lone low surrogate)");
          if (code >= 0xD800 && code <= 0xDBFF) {
            if (s_.compare(i_, 2, "\\u") != 0) fail("bad \\u escape (high surrogate without its pair)");
            i_ += 2;
            const uint32_t low = hex4();
            if (low < 0xDC00 || low > 0xDFFF) fail("bad \\u escape (high surrogate without its pair)");
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(out, code);
          break;
        }
        default:
          fail("bad escape");
      }
    }
  }

  const std::string& s_;
  size_t i_ = 0;
};

}  // namespace

JsonValue parse_json(const std::string& text) { return Parser(text).document(); }

std::string json_quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20) {
      static const char* hex = "0123456789abcdef";
      out += "\\u00";
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out + "\"";
}

}  // namespace casm::io
