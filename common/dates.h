#ifndef CORRIDOR_COMMON_DATES_H_
#define CORRIDOR_COMMON_DATES_H_

#include "corridor/v1/types.pb.h"

namespace corridor {

// A v1::Date for year-month-day, as given (not validated: tests build invalid
// ones on purpose).
inline v1::Date MakeDate(int year, int month, int day) {
  v1::Date date;
  date.set_year(year);
  date.set_month(month);
  date.set_day(day);
  return date;
}

// The inclusive range from y1-m1-d1 to y2-m2-d2, as given.
inline v1::DateRange MakeDateRange(int y1, int m1, int d1, int y2, int m2, int d2) {
  v1::DateRange range;
  *range.mutable_start() = MakeDate(y1, m1, d1);
  *range.mutable_end() = MakeDate(y2, m2, d2);
  return range;
}

}  // namespace corridor

#endif  // CORRIDOR_COMMON_DATES_H_
