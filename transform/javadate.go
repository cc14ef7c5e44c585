package transform

// java.text.SimpleDateFormat in UTC with English names, for
// TimestampConverter (format, and parsing string timestamps),
// TimestampRouter (timestamp.format) and Cast's ISO-8601 rendering of
// Date/Time/Timestamp values (Values.dateFormatFor).
//
// Pattern letters G y Y M L w W D d F E u a H k K h m s S z Z X and quoted
// literals ('...', '' for a quote) are supported; any other ASCII letter is
// an error ("Illegal pattern character"), as in Java. Formatting follows
// Java's rules: y/Y with 2 letters print the last two digits, other counts
// pad to at least the count; M with 3 letters is "Jan", 4 or more
// "January"; S is the millisecond of the second padded to the count; z is
// "UTC" ("Coordinated Universal Time" with 4 or more letters), Z "+0000",
// X "Z"; week fields use the US rules (weeks start on Sunday, week 1 is the
// one holding January 1).
//
// Parsing is lenient, as SimpleDateFormat's is by default: blanks before a
// number are skipped; a number takes as many digits as follow, or exactly
// count characters when the next pattern item is another field (so
// "yyyyMMdd" reads 20240131); out-of-range values roll over (month 13 is
// January of the next year, second 75 is 1:15); a 1- or 2-letter year read
// as exactly two digits is put in the century that starts 80 years before
// now; text after the pattern is ignored; zone fields read UTC, GMT,
// "GMT+hh:mm", "+hhmm", "+hh:mm" and "Z". Day-of-week, week and era names
// are read but, unlike Java's calendar, do not move the date. Java's
// calendar is Julian before 1582-10-15; this one is proleptic Gregorian.

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// javaDateFormat is a compiled SimpleDateFormat pattern.
type javaDateFormat struct {
	pattern string
	items   []dateItem
}

// dateItem is a run of one pattern letter, or a literal (letter 0).
type dateItem struct {
	letter byte
	count  int
	lit    string
}

const datePatternLetters = "GyYMLwWDdFEuaHkKhmsSzZX"

// compileJavaDateFormat compiles a SimpleDateFormat pattern.
func compileJavaDateFormat(p string) (*javaDateFormat, error) {
	f := &javaDateFormat{pattern: p}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			f.items = append(f.items, dateItem{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(p); {
		c := p[i]
		switch {
		case c == '\'':
			if i+1 < len(p) && p[i+1] == '\'' {
				lit.WriteByte('\'')
				i += 2
				continue
			}
			end := -1
			var q strings.Builder
			for j := i + 1; j < len(p); j++ {
				if p[j] == '\'' {
					if j+1 < len(p) && p[j+1] == '\'' {
						q.WriteByte('\'')
						j++
						continue
					}
					end = j
					break
				}
				q.WriteByte(p[j])
			}
			if end < 0 {
				return nil, fmt.Errorf("Unterminated quote")
			}
			lit.WriteString(q.String())
			i = end + 1
		case (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'):
			if strings.IndexByte(datePatternLetters, c) < 0 {
				return nil, fmt.Errorf("Illegal pattern character '%c'", c)
			}
			n := 1
			for i+n < len(p) && p[i+n] == c {
				n++
			}
			flush()
			f.items = append(f.items, dateItem{letter: c, count: n})
			i += n
		default:
			lit.WriteByte(c)
			i++
		}
	}
	flush()
	return f, nil
}

// monthNames and dayNames are the English names (DateFormatSymbols of
// Locale.US), long or short.
func monthNames(long bool) []string {
	if long {
		return []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	}
	return []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
}

func dayNames(long bool) []string {
	if long {
		return []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	}
	return []string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
}

// pad renders n with at least width digits.
func pad(n, width int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	if len(s) < width {
		s = strings.Repeat("0", width-len(s)) + s
	}
	if neg {
		s = "-" + s
	}
	return s
}

// usWeek returns the US week-based year and week of year of t (weeks
// start on Sunday; week 1 holds January 1).
func usWeek(t time.Time) (year, week int) {
	y := t.Year()
	next := time.Date(y+1, 1, 1, 0, 0, 0, 0, time.UTC)
	if nwd := int(next.Weekday()); nwd != 0 && !t.Before(next.AddDate(0, 0, -nwd)) {
		return y + 1, 1
	}
	jan1 := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
	return y, (t.YearDay()-1+int(jan1.Weekday()))/7 + 1
}

// format renders the instant ms (epoch milliseconds) in UTC.
func (f *javaDateFormat) format(ms int64) string {
	t := time.UnixMilli(ms).UTC()
	var b strings.Builder
	for _, it := range f.items {
		if it.letter == 0 {
			b.WriteString(it.lit)
			continue
		}
		n := it.count
		switch it.letter {
		case 'G':
			if t.Year() > 0 {
				b.WriteString("AD")
			} else {
				b.WriteString("BC")
			}
		case 'y', 'Y':
			y := t.Year()
			if it.letter == 'Y' {
				y, _ = usWeek(t)
			}
			if y <= 0 {
				y = 1 - y
			}
			if n == 2 {
				b.WriteString(pad(y%100, 2))
			} else {
				b.WriteString(pad(y, n))
			}
		case 'M', 'L':
			switch {
			case n >= 4:
				b.WriteString(monthNames(true)[t.Month()-1])
			case n == 3:
				b.WriteString(monthNames(false)[t.Month()-1])
			default:
				b.WriteString(pad(int(t.Month()), n))
			}
		case 'w':
			_, w := usWeek(t)
			b.WriteString(pad(w, n))
		case 'W':
			first := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
			b.WriteString(pad((t.Day()-1+int(first.Weekday()))/7+1, n))
		case 'D':
			b.WriteString(pad(t.YearDay(), n))
		case 'd':
			b.WriteString(pad(t.Day(), n))
		case 'F':
			b.WriteString(pad((t.Day()-1)/7+1, n))
		case 'E':
			if n >= 4 {
				b.WriteString(dayNames(true)[t.Weekday()])
			} else {
				b.WriteString(dayNames(false)[t.Weekday()])
			}
		case 'u':
			wd := int(t.Weekday())
			if wd == 0 {
				wd = 7
			}
			b.WriteString(pad(wd, n))
		case 'a':
			if t.Hour() < 12 {
				b.WriteString("AM")
			} else {
				b.WriteString("PM")
			}
		case 'H':
			b.WriteString(pad(t.Hour(), n))
		case 'k':
			h := t.Hour()
			if h == 0 {
				h = 24
			}
			b.WriteString(pad(h, n))
		case 'K':
			b.WriteString(pad(t.Hour()%12, n))
		case 'h':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			b.WriteString(pad(h, n))
		case 'm':
			b.WriteString(pad(t.Minute(), n))
		case 's':
			b.WriteString(pad(t.Second(), n))
		case 'S':
			b.WriteString(pad(t.Nanosecond()/1e6, n))
		case 'z':
			if n >= 4 {
				b.WriteString("Coordinated Universal Time")
			} else {
				b.WriteString("UTC")
			}
		case 'Z':
			b.WriteString("+0000")
		case 'X':
			b.WriteString("Z")
		}
	}
	return b.String()
}

// dateFields collects what a parse read.
type dateFields struct {
	year, month, day      int
	hourOfDay, hour, pm   int // hourOfDay -1 when unset, pm -1 when unset
	minute, second, milli int
	yearDay               int // -1 when unset
	offsetMinutes         int
	bc, haveYDay          bool
}

// parse reads text leniently, returning epoch milliseconds; ok is false
// where SimpleDateFormat.parse(String) throws ParseException.
func (f *javaDateFormat) parse(text string) (int64, bool) {
	d := dateFields{year: 1970, month: 1, day: 1, hourOfDay: -1, pm: -1, yearDay: -1}
	pos := 0
	for i, it := range f.items {
		if it.letter == 0 {
			if !strings.HasPrefix(text[pos:], it.lit) {
				return 0, false
			}
			pos += len(it.lit)
			continue
		}
		obeyCount := i+1 < len(f.items) && f.items[i+1].letter != 0
		var ok bool
		if pos, ok = d.field(text, pos, it, obeyCount); !ok {
			return 0, false
		}
	}
	if pos == 0 {
		return 0, false
	}
	year := d.year
	if d.bc {
		year = 1 - year
	}
	hour := d.hourOfDay
	if hour < 0 {
		hour = d.hour
		if d.pm == 1 {
			hour += 12
		}
	}
	var t time.Time
	if d.haveYDay {
		t = time.Date(year, 1, d.yearDay, hour, d.minute, d.second, 0, time.UTC)
	} else {
		t = time.Date(year, time.Month(d.month), d.day, hour, d.minute, d.second, 0, time.UTC)
	}
	return t.UnixMilli() + int64(d.milli) - int64(d.offsetMinutes)*60000, true
}

// number reads an integer at pos (an optional '-' and digits), limited to
// end; ok is false when there is no digit.
func number(text string, pos, end int) (n, next int, ok bool) {
	i := pos
	neg := false
	if i < end && text[i] == '-' {
		neg = true
		i++
	}
	start := i
	for i < end && text[i] >= '0' && text[i] <= '9' {
		i++
	}
	if i == start {
		return 0, pos, false
	}
	v, err := strconv.Atoi(text[start:i])
	if err != nil {
		return 0, pos, false
	}
	if neg {
		v = -v
	}
	return v, i, true
}

// matchName matches the longest of names at pos, case-insensitively.
func matchName(text string, pos int, names ...[]string) (idx, next int, ok bool) {
	best := -1
	for _, list := range names {
		for i, n := range list {
			if len(text)-pos >= len(n) && strings.EqualFold(text[pos:pos+len(n)], n) && (best < 0 || len(n) > next-pos) {
				best, next = i, pos+len(n)
			}
		}
	}
	return best, next, best >= 0
}

// field parses one pattern field at pos.
func (d *dateFields) field(text string, pos int, it dateItem, obeyCount bool) (int, bool) {
	for pos < len(text) && (text[pos] == ' ' || text[pos] == '\t') {
		pos++
	}
	if pos >= len(text) {
		return pos, false
	}
	end := len(text)
	if obeyCount {
		if pos+it.count > len(text) {
			return pos, false
		}
		end = pos + it.count
	}
	num := func() (int, int, bool) { return number(text, pos, end) }
	switch it.letter {
	case 'G':
		i, next, ok := matchName(text, pos, []string{"BC", "AD"})
		d.bc = ok && i == 0
		return next, ok
	case 'M', 'L':
		if it.count >= 3 {
			i, next, ok := matchName(text, pos, monthNames(true), monthNames(false))
			d.month = i + 1
			return next, ok
		}
		v, next, ok := num()
		d.month = v
		return next, ok
	case 'E':
		_, next, ok := matchName(text, pos, dayNames(true), dayNames(false))
		return next, ok
	case 'a':
		i, next, ok := matchName(text, pos, []string{"AM", "PM"})
		d.pm = i
		return next, ok
	case 'z', 'Z', 'X':
		return d.zone(text, pos)
	}
	v, next, ok := num()
	if !ok {
		return pos, false
	}
	switch it.letter {
	case 'y':
		d.year = v
		if it.count <= 2 && next-pos == 2 && text[pos] != '-' {
			d.year = ambiguousYear(v, time.Now().UTC())
		}
	case 'd':
		d.day = v
	case 'D':
		d.yearDay, d.haveYDay = v, true
	case 'H':
		d.hourOfDay = v
	case 'k':
		if v == 24 {
			v = 0
		}
		d.hourOfDay = v
	case 'K':
		d.hour = v
	case 'h':
		if v == 12 {
			v = 0
		}
		d.hour = v
	case 'm':
		d.minute = v
	case 's':
		d.second = v
	case 'S':
		d.milli = v
	}
	return next, true
}

// ambiguousYear puts a two-digit year in the century that starts 80 years
// before now (SimpleDateFormat's default century).
func ambiguousYear(v int, now time.Time) int {
	start := now.Year() - 80
	y := start/100*100 + v
	if y < start {
		y += 100
	}
	return y
}

// zone reads a time zone: UTC/GMT/UT optionally followed by an offset, an
// offset (+hh, +hhmm, +hh:mm), or Z.
func (d *dateFields) zone(text string, pos int) (int, bool) {
	rest := text[pos:]
	if strings.HasPrefix(rest, "Z") {
		d.offsetMinutes = 0
		return pos + 1, true
	}
	for _, name := range []string{"UTC", "GMT", "UT"} {
		if strings.HasPrefix(rest, name) {
			pos += len(name)
			if next, ok := d.offset(text, pos); ok {
				return next, true
			}
			d.offsetMinutes = 0
			return pos, true
		}
	}
	return d.offset(text, pos)
}

// offset reads +hh, +hhmm or +hh:mm.
func (d *dateFields) offset(text string, pos int) (int, bool) {
	if pos >= len(text) || (text[pos] != '+' && text[pos] != '-') {
		return pos, false
	}
	sign := 1
	if text[pos] == '-' {
		sign = -1
	}
	i := pos + 1
	digits := func(n int) (int, bool) {
		if i+n > len(text) {
			return 0, false
		}
		v, err := strconv.Atoi(text[i : i+n])
		if err != nil || strings.ContainsAny(text[i:i+n], "+-") {
			return 0, false
		}
		i += n
		return v, true
	}
	h, ok := digits(2)
	if !ok {
		return pos, false
	}
	m := 0
	if i < len(text) && text[i] == ':' {
		i++
		if m, ok = digits(2); !ok {
			return pos, false
		}
	} else if v, ok := digits(2); ok {
		m = v
	}
	d.offsetMinutes = sign * (h*60 + m)
	return i, true
}
