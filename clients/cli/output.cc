#include "clients/cli/output.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/match.h"
#include "clients/cli/connection.h"
#include "clients/cli/proto_json.h"

namespace corridor::cli {
namespace {

size_t DisplayWidth(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

}  // namespace

void Table::Print(std::ostream& out) const {
  std::vector<size_t> width(header_.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) {
      width[i] = std::max(width[i], DisplayWidth(row[i]));
    }
  };
  measure(header_);
  for (const auto& row : rows_) measure(row);
  auto print = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(width[i] - DisplayWidth(row[i]) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << '\n';
  };
  print(header_);
  for (const auto& row : rows_) print(row);
}

int ReportError(const Io& io, const absl::Status& status) {
  *io.err << "error: " << StatusCodeName(status.code()) << ": " << status.message() << '\n';
  return kExitFailure;
}

std::string EnumLabel(const google::protobuf::EnumDescriptor* type, int value) {
  if (value == 0) return "-";
  const auto* v = type->FindValueByNumber(value);
  if (v == nullptr) return std::to_string(value);
  // The common prefix is the zero value's name without "UNSPECIFIED".
  std::string prefix = type->value_count() > 0 ? type->value(0)->name() : "";
  if (absl::EndsWith(prefix, "UNSPECIFIED")) {
    prefix.resize(prefix.size() - std::string("UNSPECIFIED").size());
  } else {
    prefix.clear();
  }
  std::string name = v->name();
  if (!prefix.empty() && absl::StartsWith(name, prefix)) name = name.substr(prefix.size());
  return name;
}

std::string DateLabel(const v1::Date& date) {
  if (date.year() == 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d", date.year(), date.month(), date.day());
  return buf;
}

std::string RangeLabel(const v1::DateRange& range) {
  if (range.start().year() == 0 && range.end().year() == 0) return "-";
  return DateLabel(range.start()) + ".." + DateLabel(range.end());
}

std::string TimeLabel(const google::protobuf::Timestamp& time, bool set) {
  if (!set) return "-";
  std::string out;
  AppendRfc3339(time.seconds(), time.nanos(), &out);
  return out;
}

std::string ShortName(const std::string& name) {
  const size_t slash = name.rfind('/');
  return slash == std::string::npos ? name : name.substr(slash + 1);
}

}  // namespace corridor::cli
