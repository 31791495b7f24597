#include "clients/cli/proto_json.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"
#include "google/protobuf/util/json_util.h"

namespace corridor::cli {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

enum class Special { kNone, kTimestamp, kFieldMask };

struct MessageInfo;

struct FieldInfo {
  const FieldDescriptor* field = nullptr;
  // For message fields: the nested message's table.
  const MessageInfo* message = nullptr;
};

// Per message type: the fields in declaration order and a name index holding
// both the JSON name and the declared name of each field.
struct MessageInfo {
  const Descriptor* descriptor = nullptr;
  Special special = Special::kNone;
  // False when the type or one under it needs util's converter (maps, other
  // well-known types).
  bool supported = true;
  std::vector<FieldInfo> fields;
  absl::flat_hash_map<std::string, const FieldInfo*> by_name;
};

class InfoRegistry {
 public:
  static InfoRegistry& Get() {
    static InfoRegistry* registry = new InfoRegistry();
    return *registry;
  }

  const MessageInfo& For(const Descriptor* d) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    return *BuildLocked(d);
  }

 private:
  MessageInfo* BuildLocked(const Descriptor* d) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto it = infos_.find(d);
    if (it != infos_.end()) return it->second.get();
    auto owned = std::make_unique<MessageInfo>();
    MessageInfo* info = owned.get();
    infos_.emplace(d, std::move(owned));
    info->descriptor = d;
    const std::string& full = d->full_name();
    if (full == "google.protobuf.Timestamp") {
      info->special = Special::kTimestamp;
      return info;
    }
    if (full == "google.protobuf.FieldMask") {
      info->special = Special::kFieldMask;
      return info;
    }
    if (full.rfind("google.protobuf.", 0) == 0) {
      info->supported = false;
      return info;
    }
    info->fields.resize(static_cast<size_t>(d->field_count()));
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* f = d->field(i);
      FieldInfo& fi = info->fields[static_cast<size_t>(i)];
      fi.field = f;
      if (f->is_map()) info->supported = false;
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        fi.message = BuildLocked(f->message_type());
        if (!fi.message->supported) info->supported = false;
      }
    }
    for (const FieldInfo& fi : info->fields) {
      info->by_name.emplace(fi.field->json_name(), &fi);
      info->by_name.emplace(fi.field->name(), &fi);
    }
    return info;
  }

  absl::Mutex mu_;
  absl::flat_hash_map<const Descriptor*, std::unique_ptr<MessageInfo>> infos_
      ABSL_GUARDED_BY(mu_);
};

// ---------------------------------------------------------------------------
// Calendar arithmetic for Timestamp (proleptic Gregorian, UTC).

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int64_t y, unsigned m) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Smallest and largest seconds a Timestamp may hold (0001-01-01 .. 9999-12-31).
constexpr int64_t kMinSeconds = -62135596800LL;
constexpr int64_t kMaxSeconds = 253402300799LL;

bool ParseDigits(absl::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

// RFC 3339: YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM).
bool ParseRfc3339Impl(absl::string_view s, int64_t* seconds, int32_t* nanos) {
  int year, month, day, hour, minute, second;
  if (!ParseDigits(s, 0, 4, &year) || s.size() < 20 || s[4] != '-' ||
      !ParseDigits(s, 5, 2, &month) || s[7] != '-' || !ParseDigits(s, 8, 2, &day) ||
      (s[10] != 'T' && s[10] != 't') || !ParseDigits(s, 11, 2, &hour) || s[13] != ':' ||
      !ParseDigits(s, 14, 2, &minute) || s[16] != ':' || !ParseDigits(s, 17, 2, &second)) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 ||
      day > static_cast<int>(DaysInMonth(year, static_cast<unsigned>(month))) || hour > 23 ||
      minute > 59 || second > 59) {
    return false;
  }
  size_t pos = 19;
  int32_t frac = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits >= 9) return false;
      frac = frac * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return false;
    for (size_t i = digits; i < 9; ++i) frac *= 10;
  }
  int64_t offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!ParseDigits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !ParseDigits(s, pos + 4, 2, &om) || oh > 23 || om > 59) {
      return false;
    }
    offset = (oh * 3600 + om * 60) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return false;
  }
  if (pos != s.size()) return false;
  int64_t secs = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) *
                     86400 +
                 hour * 3600 + minute * 60 + second - offset;
  if (secs < kMinSeconds || secs > kMaxSeconds) return false;
  *seconds = secs;
  *nanos = frac;
  return true;
}

void AppendTwo(int v, std::string* out) {
  out->push_back(static_cast<char>('0' + v / 10));
  out->push_back(static_cast<char>('0' + v % 10));
}

void AppendRfc3339Impl(int64_t seconds, int32_t nanos, std::string* out) {
  int64_t days = seconds / 86400;
  int64_t rem = seconds % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char year[8];
  std::snprintf(year, sizeof(year), "%04d", static_cast<int>(y));
  out->append(year);
  out->push_back('-');
  AppendTwo(static_cast<int>(m), out);
  out->push_back('-');
  AppendTwo(static_cast<int>(d), out);
  out->push_back('T');
  AppendTwo(static_cast<int>(rem / 3600), out);
  out->push_back(':');
  AppendTwo(static_cast<int>(rem / 60 % 60), out);
  out->push_back(':');
  AppendTwo(static_cast<int>(rem % 60), out);
  if (nanos != 0) {
    // util prints 3, 6 or 9 fraction digits.
    char frac[16];
    if (nanos % 1000000 == 0) {
      std::snprintf(frac, sizeof(frac), ".%03d", nanos / 1000000);
    } else if (nanos % 1000 == 0) {
      std::snprintf(frac, sizeof(frac), ".%06d", nanos / 1000);
    } else {
      std::snprintf(frac, sizeof(frac), ".%09d", nanos);
    }
    out->append(frac);
  }
  out->push_back('Z');
}

std::string SnakeToCamel(absl::string_view s) {
  std::string out;
  bool upper = false;
  for (char c : s) {
    if (c == '_') {
      upper = true;
    } else if (upper) {
      out.push_back(static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c));
      upper = false;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string CamelToSnake(absl::string_view s) {
  std::string out;
  for (char c : s) {
    if (c >= 'A' && c <= 'Z') {
      out.push_back('_');
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 when invalid.
size_t Utf8Length(absl::string_view s, size_t i) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  size_t n;
  uint32_t cp;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    const unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
      (n == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
    return 0;
  }
  return n;
}

bool IsValidUtf8(absl::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    const size_t n = Utf8Length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// ---------------------------------------------------------------------------
// Parser.

class Parser {
 public:
  explicit Parser(absl::string_view json)
      : begin_(json.data()), p_(json.data()), end_(json.data() + json.size()) {}

  bool ParseRoot(const MessageInfo& info, Message* msg) {
    SkipWs();
    if (!ParseMessage(info, msg)) return false;
    SkipWs();
    if (p_ != end_) return Fail("unexpected text after the JSON object");
    return true;
  }

  std::string path() const {
    std::string path;
    for (const PathEntry& e : path_) {
      if (!path.empty()) path.push_back('.');
      path += e.field->name();
      if (e.index >= 0) absl::StrAppend(&path, "[", e.index, "]");
    }
    return path;
  }
  const std::string& error() const { return error_; }

 private:
  struct PathEntry {
    const FieldDescriptor* field;
    int index;  // -1 for a singular field
  };

  bool Fail(absl::string_view message) {
    if (error_.empty()) error_ = std::string(message);
    return false;
  }
  bool SyntaxError(absl::string_view expected) {
    return Fail(absl::StrCat("JSON syntax error at byte ", p_ - begin_, ": expected ",
                             expected));
  }

  void SkipWs() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }

  bool Consume(char c) {
    SkipWs();
    if (p_ < end_ && *p_ == c) {
      ++p_;
      return true;
    }
    return false;
  }

  bool ConsumeLiteral(absl::string_view lit) {
    if (static_cast<size_t>(end_ - p_) >= lit.size() &&
        absl::string_view(p_, lit.size()) == lit) {
      p_ += lit.size();
      return true;
    }
    return false;
  }

  bool PeekNull() {
    SkipWs();
    if (ConsumeLiteral("null")) return true;
    return false;
  }

  // Reads a JSON string; the result points into the input when it holds no
  // escapes, else into `scratch`.
  bool ParseString(absl::string_view* out, std::string* scratch) {
    SkipWs();
    if (p_ >= end_ || *p_ != '"') return SyntaxError("a string");
    ++p_;
    const char* start = p_;
    while (p_ < end_ && *p_ != '"' && *p_ != '\\') {
      if (static_cast<unsigned char>(*p_) < 0x20) {
        return Fail("control character in a string (escape it)");
      }
      ++p_;
    }
    if (p_ >= end_) return SyntaxError("the end of a string");
    if (*p_ == '"') {
      *out = absl::string_view(start, static_cast<size_t>(p_ - start));
      ++p_;
      if (!IsValidUtf8(*out)) return Fail("string is not valid UTF-8");
      return true;
    }
    scratch->assign(start, static_cast<size_t>(p_ - start));
    while (p_ < end_ && *p_ != '"') {
      char c = *p_++;
      if (static_cast<unsigned char>(c) < 0x20) {
        return Fail("control character in a string (escape it)");
      }
      if (c != '\\') {
        scratch->push_back(c);
        continue;
      }
      if (p_ >= end_) return SyntaxError("an escape");
      c = *p_++;
      switch (c) {
        case '"': scratch->push_back('"'); break;
        case '\\': scratch->push_back('\\'); break;
        case '/': scratch->push_back('/'); break;
        case 'b': scratch->push_back('\b'); break;
        case 'f': scratch->push_back('\f'); break;
        case 'n': scratch->push_back('\n'); break;
        case 'r': scratch->push_back('\r'); break;
        case 't': scratch->push_back('\t'); break;
        case 'u': {
          uint32_t cp;
          if (!ParseHex4(&cp)) return SyntaxError("four hex digits after \\u");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t low;
            if (!ConsumeLiteral("\\u") || !ParseHex4(&low) || low < 0xDC00 || low > 0xDFFF) {
              return Fail("unpaired UTF-16 surrogate in a string");
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return Fail("unpaired UTF-16 surrogate in a string");
          }
          AppendUtf8(cp, scratch);
          break;
        }
        default:
          return SyntaxError("a valid escape");
      }
    }
    if (p_ >= end_) return SyntaxError("the end of a string");
    ++p_;
    *out = *scratch;
    if (!IsValidUtf8(*out)) return Fail("string is not valid UTF-8");
    return true;
  }

  bool ParseHex4(uint32_t* out) {
    if (end_ - p_ < 4) return false;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = *p_++;
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v |= static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        v |= static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return false;
      }
    }
    *out = v;
    return true;
  }

  // A JSON number token, or a string holding one (quoted numbers are allowed
  // for every numeric type, as util does).
  bool ParseNumberText(absl::string_view* out, bool* quoted) {
    SkipWs();
    if (p_ < end_ && *p_ == '"') {
      *quoted = true;
      return ParseString(out, &scratch_);
    }
    *quoted = false;
    const char* start = p_;
    if (p_ < end_ && *p_ == '-') ++p_;
    while (p_ < end_ && ((*p_ >= '0' && *p_ <= '9') || *p_ == '.' || *p_ == 'e' ||
                         *p_ == 'E' || *p_ == '+' || *p_ == '-')) {
      ++p_;
    }
    if (p_ == start) return SyntaxError("a number");
    *out = absl::string_view(start, static_cast<size_t>(p_ - start));
    return true;
  }

  bool ToInt64(absl::string_view text, int64_t lo, int64_t hi, int64_t* out) {
    int64_t v = 0;
    auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (r.ec == std::errc() && r.ptr == text.data() + text.size()) {
      if (v < lo || v > hi) return Fail(absl::StrCat("number out of range: ", text));
      *out = v;
      return true;
    }
    double d;
    if (!ToDouble(text, &d)) return false;
    if (d != std::floor(d) || d < static_cast<double>(lo) || d > static_cast<double>(hi)) {
      return Fail(absl::StrCat("not an integer in range: ", text));
    }
    *out = static_cast<int64_t>(d);
    return true;
  }

  bool ToUint64(absl::string_view text, uint64_t hi, uint64_t* out) {
    uint64_t v = 0;
    auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (r.ec == std::errc() && r.ptr == text.data() + text.size()) {
      if (v > hi) return Fail(absl::StrCat("number out of range: ", text));
      *out = v;
      return true;
    }
    double d;
    if (!ToDouble(text, &d)) return false;
    if (d != std::floor(d) || d < 0 || d > static_cast<double>(hi)) {
      return Fail(absl::StrCat("not an unsigned integer in range: ", text));
    }
    *out = static_cast<uint64_t>(d);
    return true;
  }

  bool ToDouble(absl::string_view text, double* out) {
    if (text == "NaN") {
      *out = std::numeric_limits<double>::quiet_NaN();
      return true;
    }
    if (text == "Infinity") {
      *out = std::numeric_limits<double>::infinity();
      return true;
    }
    if (text == "-Infinity") {
      *out = -std::numeric_limits<double>::infinity();
      return true;
    }
    auto r = std::from_chars(text.data(), text.data() + text.size(), *out);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size()) {
      return Fail(absl::StrCat("not a number: \"", text, "\""));
    }
    return true;
  }

  // Parses one value of `fi` (an element when the field is repeated) and
  // stores it.
  bool ParseValue(const FieldInfo& fi, Message* msg) {
    const FieldDescriptor* f = fi.field;
    const Reflection* r = msg->GetReflection();
    const bool rep = f->is_repeated();
    absl::string_view text;
    bool quoted = false;
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        Message* sub = rep ? r->AddMessage(msg, f) : r->MutableMessage(msg, f);
        return ParseMessage(*fi.message, sub);
      }
      case FieldDescriptor::CPPTYPE_STRING: {
        if (!ParseString(&text, &scratch_)) return false;
        if (f->type() == FieldDescriptor::TYPE_BYTES) {
          std::string bytes;
          if (!absl::Base64Unescape(text, &bytes) && !absl::WebSafeBase64Unescape(text, &bytes)) {
            return Fail("not valid base64");
          }
          rep ? r->AddString(msg, f, std::move(bytes)) : r->SetString(msg, f, std::move(bytes));
        } else if (rep) {
          r->AddString(msg, f, std::string(text));
        } else {
          r->SetString(msg, f, std::string(text));
        }
        return true;
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        SkipWs();
        if (p_ < end_ && *p_ == '"') {
          if (!ParseString(&text, &scratch_)) return false;
          const EnumValueDescriptor* v =
              f->enum_type()->FindValueByName(std::string(text));
          if (v == nullptr) {
            return Fail(absl::StrCat("unknown value \"", text, "\" of ",
                                     f->enum_type()->name()));
          }
          rep ? r->AddEnumValue(msg, f, v->number()) : r->SetEnumValue(msg, f, v->number());
          return true;
        }
        int64_t v;
        if (!ParseNumberText(&text, &quoted) ||
            !ToInt64(text, std::numeric_limits<int32_t>::min(),
                     std::numeric_limits<int32_t>::max(), &v)) {
          return false;
        }
        rep ? r->AddEnumValue(msg, f, static_cast<int>(v))
            : r->SetEnumValue(msg, f, static_cast<int>(v));
        return true;
      }
      case FieldDescriptor::CPPTYPE_BOOL: {
        SkipWs();
        bool v;
        if (ConsumeLiteral("true")) {
          v = true;
        } else if (ConsumeLiteral("false")) {
          v = false;
        } else {
          return Fail("expected true or false");
        }
        rep ? r->AddBool(msg, f, v) : r->SetBool(msg, f, v);
        return true;
      }
      case FieldDescriptor::CPPTYPE_INT32: {
        int64_t v;
        if (!ParseNumberText(&text, &quoted) ||
            !ToInt64(text, std::numeric_limits<int32_t>::min(),
                     std::numeric_limits<int32_t>::max(), &v)) {
          return false;
        }
        rep ? r->AddInt32(msg, f, static_cast<int32_t>(v))
            : r->SetInt32(msg, f, static_cast<int32_t>(v));
        return true;
      }
      case FieldDescriptor::CPPTYPE_INT64: {
        int64_t v;
        if (!ParseNumberText(&text, &quoted) ||
            !ToInt64(text, std::numeric_limits<int64_t>::min(),
                     std::numeric_limits<int64_t>::max(), &v)) {
          return false;
        }
        rep ? r->AddInt64(msg, f, v) : r->SetInt64(msg, f, v);
        return true;
      }
      case FieldDescriptor::CPPTYPE_UINT32: {
        uint64_t v;
        if (!ParseNumberText(&text, &quoted) ||
            !ToUint64(text, std::numeric_limits<uint32_t>::max(), &v)) {
          return false;
        }
        rep ? r->AddUInt32(msg, f, static_cast<uint32_t>(v))
            : r->SetUInt32(msg, f, static_cast<uint32_t>(v));
        return true;
      }
      case FieldDescriptor::CPPTYPE_UINT64: {
        uint64_t v;
        if (!ParseNumberText(&text, &quoted) ||
            !ToUint64(text, std::numeric_limits<uint64_t>::max(), &v)) {
          return false;
        }
        rep ? r->AddUInt64(msg, f, v) : r->SetUInt64(msg, f, v);
        return true;
      }
      case FieldDescriptor::CPPTYPE_DOUBLE:
      case FieldDescriptor::CPPTYPE_FLOAT: {
        double v;
        if (!ParseNumberText(&text, &quoted) || !ToDouble(text, &v)) return false;
        if (f->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE) {
          rep ? r->AddDouble(msg, f, v) : r->SetDouble(msg, f, v);
        } else {
          rep ? r->AddFloat(msg, f, static_cast<float>(v))
              : r->SetFloat(msg, f, static_cast<float>(v));
        }
        return true;
      }
    }
    return Fail("unsupported field type");
  }

  bool ParseSpecial(const MessageInfo& info, Message* msg) {
    absl::string_view text;
    if (!ParseString(&text, &scratch_)) return false;
    const Descriptor* d = info.descriptor;
    const Reflection* r = msg->GetReflection();
    if (info.special == Special::kTimestamp) {
      int64_t seconds;
      int32_t nanos;
      if (!ParseRfc3339Impl(text, &seconds, &nanos)) {
        return Fail(absl::StrCat("not an RFC 3339 time in UTC range: \"", text, "\""));
      }
      r->SetInt64(msg, d->FindFieldByNumber(1), seconds);
      r->SetInt32(msg, d->FindFieldByNumber(2), nanos);
      return true;
    }
    const FieldDescriptor* paths = d->FindFieldByNumber(1);
    size_t start = 0;
    while (start <= text.size() && !text.empty()) {
      size_t comma = text.find(',', start);
      if (comma == absl::string_view::npos) comma = text.size();
      absl::string_view path = text.substr(start, comma - start);
      if (!path.empty()) r->AddString(msg, paths, CamelToSnake(path));
      start = comma + 1;
    }
    return true;
  }

  bool ParseMessage(const MessageInfo& info, Message* msg) {
    if (info.special != Special::kNone) return ParseSpecial(info, msg);
    SkipWs();
    if (p_ >= end_ || *p_ != '{') return SyntaxError("an object");
    ++p_;
    if (Consume('}')) return true;
    std::string key_scratch;
    for (;;) {
      absl::string_view key;
      if (!ParseString(&key, &key_scratch)) return false;
      if (!Consume(':')) return SyntaxError("':'");
      auto it = info.by_name.find(key);
      if (it == info.by_name.end()) {
        return Fail(absl::StrCat("unknown field \"", key, "\" in ",
                                 info.descriptor->name()));
      }
      const FieldInfo& fi = *it->second;
      path_.push_back({fi.field, -1});
      if (PeekNull()) {
        msg->GetReflection()->ClearField(msg, fi.field);
      } else if (fi.field->is_repeated()) {
        if (!Consume('[')) return SyntaxError("an array");
        msg->GetReflection()->ClearField(msg, fi.field);
        if (!Consume(']')) {
          for (int index = 0;; ++index) {
            path_.back().index = index;
            if (!ParseValue(fi, msg)) return false;
            if (Consume(',')) continue;
            if (Consume(']')) break;
            return SyntaxError("',' or ']'");
          }
        }
      } else if (!ParseValue(fi, msg)) {
        return false;
      }
      path_.pop_back();
      if (Consume(',')) continue;
      if (Consume('}')) return true;
      return SyntaxError("',' or '}'");
    }
  }

  const char* begin_;
  const char* p_;
  const char* end_;
  std::string error_;
  std::vector<PathEntry> path_;
  std::string scratch_;
};

// ---------------------------------------------------------------------------
// Writer.

void AppendJsonString(absl::string_view s, std::string* out) {
  static const char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t run = 0;  // start of the pending unescaped run
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const char* esc = nullptr;
    char buf[8];
    size_t skip = 1;
    if (c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == 0x7F) {
      switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default:
          buf[0] = '\\';
          buf[1] = 'u';
          buf[2] = '0';
          buf[3] = '0';
          buf[4] = kHex[c >> 4];
          buf[5] = kHex[c & 0xF];
          buf[6] = '\0';
          esc = buf;
      }
    } else if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
               (static_cast<unsigned char>(s[i + 2]) == 0xA8 ||
                static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
      // U+2028 and U+2029 break JavaScript string literals.
      esc = static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
      skip = 3;
    }
    if (esc == nullptr) continue;
    out->append(s.data() + run, i - run);
    out->append(esc);
    i += skip - 1;
    run = i + 1;
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

void AppendDouble(double v, std::string* out) {
  if (std::isnan(v)) {
    out->append("\"NaN\"");
  } else if (std::isinf(v)) {
    out->append(v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
  } else {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof(buf), v);
    out->append(buf, static_cast<size_t>(r.ptr - buf));
  }
}

void WriteMessage(const MessageInfo& info, const Message& msg, std::string* out);

void WriteValue(const FieldInfo& fi, const Message& msg, int index, std::string* out) {
  const FieldDescriptor* f = fi.field;
  const Reflection* r = msg.GetReflection();
  const bool rep = index >= 0;
  char buf[32];
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_MESSAGE:
      WriteMessage(*fi.message,
                   rep ? r->GetRepeatedMessage(msg, f, index) : r->GetMessage(msg, f), out);
      return;
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& s = rep ? r->GetRepeatedStringReference(msg, f, index, &scratch)
                                 : r->GetStringReference(msg, f, &scratch);
      if (f->type() == FieldDescriptor::TYPE_BYTES) {
        out->push_back('"');
        out->append(absl::Base64Escape(s));
        out->push_back('"');
      } else {
        AppendJsonString(s, out);
      }
      return;
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const int v = rep ? r->GetRepeatedEnumValue(msg, f, index) : r->GetEnumValue(msg, f);
      const EnumValueDescriptor* ev = f->enum_type()->FindValueByNumber(v);
      if (ev != nullptr) {
        AppendJsonString(ev->name(), out);
      } else {
        out->append(std::to_string(v));
      }
      return;
    }
    case FieldDescriptor::CPPTYPE_BOOL:
      out->append((rep ? r->GetRepeatedBool(msg, f, index) : r->GetBool(msg, f)) ? "true"
                                                                                  : "false");
      return;
    case FieldDescriptor::CPPTYPE_INT32: {
      auto res = std::to_chars(buf, buf + sizeof(buf),
                               rep ? r->GetRepeatedInt32(msg, f, index) : r->GetInt32(msg, f));
      out->append(buf, static_cast<size_t>(res.ptr - buf));
      return;
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      auto res = std::to_chars(buf, buf + sizeof(buf),
                               rep ? r->GetRepeatedUInt32(msg, f, index) : r->GetUInt32(msg, f));
      out->append(buf, static_cast<size_t>(res.ptr - buf));
      return;
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      auto res = std::to_chars(buf, buf + sizeof(buf),
                               rep ? r->GetRepeatedInt64(msg, f, index) : r->GetInt64(msg, f));
      out->push_back('"');
      out->append(buf, static_cast<size_t>(res.ptr - buf));
      out->push_back('"');
      return;
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      auto res = std::to_chars(buf, buf + sizeof(buf),
                               rep ? r->GetRepeatedUInt64(msg, f, index) : r->GetUInt64(msg, f));
      out->push_back('"');
      out->append(buf, static_cast<size_t>(res.ptr - buf));
      out->push_back('"');
      return;
    }
    case FieldDescriptor::CPPTYPE_DOUBLE:
      AppendDouble(rep ? r->GetRepeatedDouble(msg, f, index) : r->GetDouble(msg, f), out);
      return;
    case FieldDescriptor::CPPTYPE_FLOAT:
      AppendDouble(rep ? r->GetRepeatedFloat(msg, f, index) : r->GetFloat(msg, f), out);
      return;
  }
}

void WriteMessage(const MessageInfo& info, const Message& msg, std::string* out) {
  const Reflection* r = msg.GetReflection();
  if (info.special == Special::kTimestamp) {
    const Descriptor* d = info.descriptor;
    out->push_back('"');
    AppendRfc3339Impl(r->GetInt64(msg, d->FindFieldByNumber(1)),
                  r->GetInt32(msg, d->FindFieldByNumber(2)), out);
    out->push_back('"');
    return;
  }
  if (info.special == Special::kFieldMask) {
    const FieldDescriptor* paths = info.descriptor->FindFieldByNumber(1);
    std::string joined;
    for (int i = 0; i < r->FieldSize(msg, paths); ++i) {
      if (i > 0) joined.push_back(',');
      joined += SnakeToCamel(r->GetRepeatedString(msg, paths, i));
    }
    AppendJsonString(joined, out);
    return;
  }
  out->push_back('{');
  bool first = true;
  for (const FieldInfo& fi : info.fields) {
    const FieldDescriptor* f = fi.field;
    int count = -1;
    if (f->is_repeated()) {
      count = r->FieldSize(msg, f);
      if (count == 0) continue;
    } else if (!r->HasField(msg, f)) {
      continue;
    }
    if (!first) out->push_back(',');
    first = false;
    out->push_back('"');
    out->append(f->json_name());
    out->append("\":");
    if (count < 0) {
      WriteValue(fi, msg, -1, out);
    } else {
      out->push_back('[');
      for (int i = 0; i < count; ++i) {
        if (i > 0) out->push_back(',');
        WriteValue(fi, msg, i, out);
      }
      out->push_back(']');
    }
  }
  out->push_back('}');
}

}  // namespace

bool ParseJsonMessage(absl::string_view json, google::protobuf::Message* message,
                      std::string* path, std::string* error) {
  message->Clear();
  const MessageInfo& info = InfoRegistry::Get().For(message->GetDescriptor());
  if (!info.supported || info.special != Special::kNone) {
    google::protobuf::util::JsonParseOptions options;
    auto status = google::protobuf::util::JsonStringToMessage(
        google::protobuf::StringPiece(json.data(), json.size()), message, options);
    if (status.ok()) return true;
    path->clear();
    *error = std::string(status.message());
    return false;
  }
  Parser parser(json);
  if (parser.ParseRoot(info, message)) return true;
  *path = parser.path();
  *error = parser.error();
  return false;
}

absl::Status JsonToMessage(absl::string_view json, google::protobuf::Message* message) {
  std::string path, error;
  if (ParseJsonMessage(json, message, &path, &error)) return absl::OkStatus();
  if (path.empty()) return absl::InvalidArgumentError(error);
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", error));
}

void AppendMessageJson(const google::protobuf::Message& message, std::string* out) {
  const MessageInfo& info = InfoRegistry::Get().For(message.GetDescriptor());
  if (!info.supported) {
    std::string json;
    google::protobuf::util::MessageToJsonString(message, &json);
    out->append(json);
    return;
  }
  WriteMessage(info, message, out);
}

bool ParseRfc3339(absl::string_view text, int64_t* seconds, int32_t* nanos) {
  return ParseRfc3339Impl(text, seconds, nanos);
}

void AppendRfc3339(int64_t seconds, int32_t nanos, std::string* out) {
  AppendRfc3339Impl(seconds, nanos, out);
}

std::string MessageToPrettyJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  std::string json;
  google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

}  // namespace corridor::cli
