#include "clients/cli/csv.h"

namespace corridor::cli {
namespace {
constexpr size_t kBufferSize = 1 << 20;
}  // namespace

CsvReader::CsvReader(std::istream* in, char separator)
    : in_(in), separator_(separator), buf_(kBufferSize) {}

bool CsvReader::Refill() {
  if (!in_->good()) return false;
  in_->read(buf_.data(), static_cast<std::streamsize>(buf_.size()));
  len_ = static_cast<size_t>(in_->gcount());
  pos_ = 0;
  return len_ > 0;
}

bool CsvReader::Next(CsvRecord* record) {
  if (!started_) {
    started_ = true;
    // A UTF-8 byte-order mark is not part of the first field.
    if (Peek() == 0xEF) {
      Get();
      if (Peek() == 0xBB) {
        Get();
        if (Peek() == 0xBF) Get();
      }
    }
  }
  for (;;) {
    record->fields.clear();
    record->error.clear();
    record->line = line_;
    int c = Peek();
    if (c < 0) return false;
    ++number_;
    record->number = number_;
    // A blank line (LF or CRLF alone) is no record.
    if (c == '\n' || c == '\r') {
      Get();
      if (c == '\r' && Peek() == '\n') Get();
      ++line_;
      continue;
    }
    std::string field;
    bool at_end = false;
    while (!at_end) {
      field.clear();
      c = Peek();
      if (c == '"') {
        Get();
        // Quoted field: read to the closing quote; "" is a literal quote.
        bool closed = false;
        while (!closed) {
          c = Get();
          if (c < 0) {
            record->error = "quoted field is not closed before the end of the file";
            record->fields.push_back(std::move(field));
            return true;
          }
          if (c == '"') {
            if (Peek() == '"') {
              Get();
              field.push_back('"');
            } else {
              closed = true;
            }
          } else {
            if (c == '\n') ++line_;
            field.push_back(static_cast<char>(c));
          }
        }
        c = Peek();
        if (c != separator_ && c != '\n' && c != '\r' && c >= 0) {
          if (record->error.empty()) {
            record->error = "unexpected character after the closing quote of field " +
                            std::to_string(record->fields.size() + 1);
          }
          // Keep the stray text in the field and go on to the field's end.
          while ((c = Peek()) >= 0 && c != separator_ && c != '\n' && c != '\r') {
            field.push_back(static_cast<char>(Get()));
          }
        }
      } else {
        while ((c = Peek()) >= 0 && c != separator_ && c != '\n' && c != '\r') {
          field.push_back(static_cast<char>(Get()));
        }
      }
      record->fields.push_back(field);
      c = Get();
      if (c == separator_) continue;
      at_end = true;
      if (c == '\r') {
        if (Peek() == '\n') Get();
        ++line_;
      } else if (c == '\n') {
        ++line_;
      }
    }
    return true;
  }
}

void AppendCsvField(absl::string_view value, std::string* out, char separator) {
  bool quote = !value.empty() && (value.front() == ' ' || value.back() == ' ');
  for (char c : value) {
    if (c == separator || c == '"' || c == '\n' || c == '\r') {
      quote = true;
      break;
    }
  }
  if (!quote) {
    out->append(value.data(), value.size());
    return;
  }
  out->push_back('"');
  for (char c : value) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

void AppendCsvRecord(const std::vector<std::string>& fields, std::string* out,
                     char separator) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out->push_back(separator);
    AppendCsvField(fields[i], out, separator);
  }
  out->push_back('\n');
}

}  // namespace corridor::cli
