#include "matcher/filter.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace corridor::matcher {
namespace {

constexpr size_t kMaxFilterBytes = 2048;
constexpr size_t kMaxTerms = 16;

bool IsBareChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '.' || c == '-';
}

bool IsFieldChar(char c) { return (c >= 'a' && c <= 'z') || c == '_'; }

class Parser {
 public:
  explicit Parser(absl::string_view text) : text_(text) {}

  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("filter: ", what, " at position ", pos_ + 1));
  }

  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }
  bool AtEnd() {
    SkipSpace();
    return pos_ >= text_.size();
  }

  absl::StatusOr<std::string> Field() {
    SkipSpace();
    size_t start = pos_;
    while (pos_ < text_.size() && IsFieldChar(text_[pos_])) ++pos_;
    if (start == pos_) return Error("expected a field name");
    return std::string(text_.substr(start, pos_ - start));
  }

  absl::Status Equals() {
    SkipSpace();
    if (pos_ >= text_.size() || text_[pos_] != '=') return Error("expected '='");
    ++pos_;
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> Value() {
    SkipSpace();
    if (pos_ >= text_.size()) return Error("expected a value");
    std::string out;
    if (text_[pos_] == '"') {
      ++pos_;
      while (true) {
        if (pos_ >= text_.size()) return Error("unterminated string");
        char c = text_[pos_++];
        if (c == '"') break;
        if (c == '\\') {
          if (pos_ >= text_.size()) return Error("unterminated escape");
          char e = text_[pos_++];
          if (e != '"' && e != '\\') return Error("unknown escape");
          out.push_back(e);
          continue;
        }
        if (static_cast<unsigned char>(c) < 0x20) return Error("control character");
        out.push_back(c);
      }
      return out;
    }
    size_t start = pos_;
    while (pos_ < text_.size() && IsBareChar(text_[pos_])) ++pos_;
    if (start == pos_) return Error("expected a value");
    return std::string(text_.substr(start, pos_ - start));
  }

  bool And() {
    SkipSpace();
    if (text_.substr(pos_, 3) == "AND" &&
        (pos_ + 3 == text_.size() || text_[pos_ + 3] == ' ')) {
      pos_ += 3;
      return true;
    }
    return false;
  }

 private:
  absl::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<std::vector<FilterTerm>> ParseFilter(
    absl::string_view filter, const std::vector<std::string>& allowed) {
  std::vector<FilterTerm> terms;
  if (filter.size() > kMaxFilterBytes) {
    return absl::InvalidArgumentError("filter: longer than 2048 bytes");
  }
  Parser p(filter);
  if (p.AtEnd()) return terms;
  while (true) {
    absl::StatusOr<std::string> field = p.Field();
    if (!field.ok()) return field.status();
    if (std::find(allowed.begin(), allowed.end(), *field) == allowed.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "filter: unknown field \"", *field, "\"; this collection filters on ",
          absl::StrJoin(allowed, ", ")));
    }
    absl::Status eq = p.Equals();
    if (!eq.ok()) return eq;
    absl::StatusOr<std::string> value = p.Value();
    if (!value.ok()) return value.status();
    terms.push_back(FilterTerm{*std::move(field), *std::move(value)});
    if (terms.size() > kMaxTerms) {
      return absl::InvalidArgumentError("filter: more than 16 terms");
    }
    if (p.AtEnd()) break;
    if (!p.And()) return p.Error("expected AND");
  }
  std::sort(terms.begin(), terms.end(), [](const FilterTerm& a, const FilterTerm& b) {
    return a.field != b.field ? a.field < b.field : a.value < b.value;
  });
  terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
  return terms;
}

std::string CanonicalFilter(const std::vector<FilterTerm>& terms) {
  std::string out;
  for (const FilterTerm& t : terms) {
    absl::StrAppend(&out, t.field, "=", t.value.size(), ":", t.value, ";");
  }
  return out;
}

}  // namespace corridor::matcher
