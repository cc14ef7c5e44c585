package transform

import (
	"testing"
	"time"

	"github.com/starcdc/starcdc/decode"
)

// Golden cases worked from Kafka 3.9's TimestampConverter and
// TimestampRouter (source and tests: 86 401 234 ms is 1970-01-02
// 00:00:01.234 UTC).

const (
	dptUnix   = int64(86401234)
	dptString = "1970 01 02 00 00 01 234 UTC"
	dptFormat = "yyyy MM dd HH mm ss SSS z"
)

func TestTimestampConverter(t *testing.T) {
	conv := func(target string, extra ...string) map[string]string {
		p := map[string]string{"target.type": target}
		for i := 0; i+1 < len(extra); i += 2 {
			p[extra[i]] = extra[i+1]
		}
		return p
	}
	st := sch(decode.TypeStruct, withName("row"), optSch, withFields("ts", tsSchema(optSch, withDef(int64(0))), "other", sch(decode.TypeString)))
	stDefault := sch(decode.TypeStruct, withName("row"), optSch, withFields("ts", tsSchema()))
	stDefault.Default = structOf(stDefault, dptUnix)
	runKafkaCases(t, []kafkaCase{
		{name: "Timestamp to string", class: "TimestampConverter$Value", props: conv("string", "format", dptFormat),
			in: valueRecord(tsSchema(), dptUnix), wantSchema: "string", want: `"` + dptString + `"`},
		{name: "Timestamp to unix", class: "TimestampConverter$Value", props: conv("unix"),
			in: valueRecord(tsSchema(), dptUnix), wantSchema: "int64", want: "86401234"},
		{name: "Timestamp to unix seconds", class: "TimestampConverter$Value", props: conv("unix", "unix.precision", "seconds"),
			in: valueRecord(tsSchema(), dptUnix), want: "86401"},
		{name: "Timestamp to unix microseconds", class: "TimestampConverter$Value", props: conv("unix", "unix.precision", "microseconds"),
			in: valueRecord(tsSchema(), dptUnix), want: "86401234000"},
		{name: "Timestamp to Date", class: "TimestampConverter$Value", props: conv("Date"),
			in: valueRecord(tsSchema(), dptUnix), wantSchema: "connect.Date:int32#1", want: "1"},
		{name: "Timestamp to Time", class: "TimestampConverter$Value", props: conv("Time"),
			in: valueRecord(tsSchema(), dptUnix), wantSchema: "connect.Time:int32#1", want: "1234"},
		{name: "Date to Timestamp", class: "TimestampConverter$Value", props: conv("Timestamp"),
			in: valueRecord(dateSch(), int64(1)), wantSchema: "connect.Timestamp:int64#1", want: "86400000"},
		{name: "Time to string", class: "TimestampConverter$Value", props: conv("string", "format", "HH:mm:ss.SSS"),
			in: valueRecord(timeSch(), int64(45296789)), want: `"12:34:56.789"`},
		{name: "string to Timestamp", class: "TimestampConverter$Value", props: conv("Timestamp", "format", dptFormat),
			in: valueRecord(sch(decode.TypeString), dptString), wantSchema: "connect.Timestamp:int64#1", want: "86401234"},
		{name: "string not matching the format", class: "TimestampConverter$Value", props: conv("Timestamp", "format", dptFormat),
			in: valueRecord(sch(decode.TypeString), "garbage"), wantErr: "Could not parse timestamp: value (garbage) does not match pattern (" + dptFormat + ")"},
		{name: "string without format", class: "TimestampConverter$Value", props: conv("Timestamp"),
			in: valueRecord(sch(decode.TypeString), dptString), wantErr: "needs the format option"},
		{name: "unix micros (Debezium MicroTimestamp) to Timestamp", class: "TimestampConverter$Value",
			props: conv("Timestamp", "unix.precision", "microseconds"),
			in:    valueRecord(sch(decode.TypeInt64, withName("io.debezium.time.MicroTimestamp"), withVersion(1)), dptUnix*1000+123), want: "86401234"},
		{name: "unix nanos to Timestamp", class: "TimestampConverter$Value", props: conv("Timestamp", "unix.precision", "nanoseconds"),
			in: valueRecord(sch(decode.TypeInt64), dptUnix*1000000+123456), want: "86401234"},
		{name: "negative unix to Date and Time floor to the UTC day", class: "TimestampConverter$Value", props: conv("Date"),
			in: valueRecord(sch(decode.TypeInt64), int64(-1500)), want: "-1"},
		{name: "negative unix to Time", class: "TimestampConverter$Value", props: conv("Time"),
			in: valueRecord(sch(decode.TypeInt64), int64(-1500)), want: "86398500"},
		{name: "negative micros truncate toward zero", class: "TimestampConverter$Value", props: conv("unix", "unix.precision", "microseconds"),
			in: valueRecord(tsSchema(), int64(-1)), want: "-1000"},
		{name: "optional schema kept, null passes", class: "TimestampConverter$Value", props: conv("string", "format", dptFormat),
			in: valueRecord(tsSchema(optSch), nil), wantSchema: "string?", want: "null"},
		{name: "Debezium Date (int32) is no known timestamp type, even null", class: "TimestampConverter$Value", props: conv("Timestamp"),
			in:      valueRecord(sch(decode.TypeInt32, withName("io.debezium.time.Date"), withVersion(1), optSch), nil),
			wantErr: "Schema Schema{io.debezium.time.Date:INT32} does not correspond to a known timestamp type format"},
		{name: "struct field", class: "TimestampConverter$Value", props: conv("string", "field", "ts", "format", "yyyy-MM-dd"),
			in: valueRecord(st, structOf(st, dptUnix, "x")), wantSchema: `row:struct{ts:string?,other:string}?`, want: `Struct{ts:"1970-01-02",other:"x"}`},
		{name: "struct field null reads as the default", class: "TimestampConverter$Value", props: conv("unix", "field", "ts"),
			in: valueRecord(st, structOf(st, nil, "x")), want: `Struct{ts:0,other:"x"}`},
		{name: "struct field replace.null.with.default=false", class: "TimestampConverter$Value",
			props: conv("unix", "field", "ts", "replace.null.with.default", "false"),
			in:    valueRecord(st, structOf(st, nil, "x")), want: `Struct{ts:null,other:"x"}`},
		{name: "struct default converted too", class: "TimestampConverter$Value", props: conv("Date", "field", "ts"),
			in: valueRecord(stDefault, nil), wantSchema: "row:struct{ts:connect.Date:int32#1}?=Struct{ts:1}", want: "null"},
		{name: "struct without the field: rebuilt, unchanged", class: "TimestampConverter$Value", props: conv("unix", "field", "nope"),
			in: valueRecord(st, structOf(st, int64(5), "x")), wantSchema: `row:struct{ts:connect.Timestamp:int64#1?=0,other:string}?`, want: `Struct{ts:5,other:"x"}`},
		{name: "struct string field parsed with the format", class: "TimestampConverter$Value", props: conv("unix", "field", "other", "format", dptFormat),
			in: valueRecord(st, structOf(st, int64(5), "x")), wantErr: "Could not parse timestamp: value (x)"},
		{name: "key", class: "TimestampConverter$Key", key: true, props: conv("unix"),
			in: keyRecord(tsSchema(), int64(5)), wantSchema: "int64", want: "5"},
		{name: "schemaless Long to string", class: "TimestampConverter$Value", props: conv("string", "format", dptFormat),
			in: valueRecord(nil, jnum("86401234")), wantSchema: "none", want: `"` + dptString + `"`},
		{name: "schemaless string to unix", class: "TimestampConverter$Value", props: conv("unix", "format", dptFormat),
			in: valueRecord(nil, dptString), want: "86401234"},
		{name: "schemaless Date is its epoch milliseconds", class: "TimestampConverter$Value", props: conv("Date", "field", "ts"),
			in: valueRecord(nil, smapOf("ts", jnum("86401234"), "x", "y")), want: `{ts:86400000,x:"y"}`},
		{name: "schemaless missing field added as null", class: "TimestampConverter$Value", props: conv("unix", "field", "ts"),
			in: valueRecord(nil, smapOf("x", "y")), want: `{x:"y",ts:null}`},
		{name: "schemaless double", class: "TimestampConverter$Value", props: conv("unix"),
			in: valueRecord(nil, jnum("1.5")), wantErr: "TimestampConverter does not support class java.lang.Double objects as timestamps"},
		{name: "schemaless null", class: "TimestampConverter$Value", props: conv("unix", "field", "ts"),
			in: valueRecord(nil, nil), want: "null"},
	})
	kafkaConfigErr(t, "TimestampConverter$Value", map[string]string{}, "target.type: missing required configuration")
	kafkaConfigErr(t, "TimestampConverter$Value", map[string]string{"target.type": "date"}, "target.type=date: String must be one of: string, unix, Date, Time, Timestamp")
	kafkaConfigErr(t, "TimestampConverter$Value", map[string]string{"target.type": "string"}, "TimestampConverter requires format option to be specified when using string timestamps")
	kafkaConfigErr(t, "TimestampConverter$Value", map[string]string{"target.type": "string", "format": "yyyy-bb"}, "Illegal pattern character 'b'")
	kafkaConfigErr(t, "TimestampConverter$Key", map[string]string{"target.type": "unix", "unix.precision": "minutes"}, "unix.precision=minutes: String must be one of")
}

func TestTimestampRouter(t *testing.T) {
	noTS := valueRecord(nil, nil)
	noTS.Timestamp = -1
	for _, tc := range []struct {
		name  string
		props map[string]string
		in    *Record
		want  string
	}{
		{"defaults", map[string]string{}, valueRecord(nil, nil), "t-20231114"},
		{"formats", map[string]string{"topic.format": "${topic}_${timestamp}_${topic}", "timestamp.format": "yyyy-MM"}, valueRecord(nil, nil), "t_2023-11_t"},
		{"no timestamp", map[string]string{}, noTS, "error: Timestamp missing on record: topic=t, partition=2, offset=42"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := newKafkaT(t, "TimestampRouter", tc.props).Apply(tc.in)
			got := ""
			if err != nil {
				got = "error: " + err.Error()
			} else {
				got = out.Topic
			}
			if got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
	kafkaConfigErr(t, "TimestampRouter", map[string]string{"timestamp.format": "yyyy'"}, "timestamp.format=yyyy': not a SimpleDateFormat pattern: Unterminated quote")
}

func TestJavaDateFormat(t *testing.T) {
	at := time.Date(2023, 11, 14, 22, 13, 20, 123e6, time.UTC).UnixMilli()
	for _, tc := range []struct {
		pattern string
		ms      int64
		want    string
	}{
		{"yyyy-MM-dd'T'HH:mm:ss.SSSZ", at, "2023-11-14T22:13:20.123+0000"},
		{"EEE, d MMM yyyy HH:mm:ss z", at, "Tue, 14 Nov 2023 22:13:20 UTC"},
		{"EEEE MMMM yy h:mm a zzzz", at, "Tuesday November 23 10:13 PM Coordinated Universal Time"},
		{"D w W F u k K X G", at, "318 46 3 2 2 22 10 Z AD"},
		{"''yyyy'' 'o''clock' S SSSS y yyyyy", at, "'2023' o'clock 123 0123 2023 02023"},
		{"YYYY-'W'ww", time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC).UnixMilli(), "2024-W01"},
		{"hh:mm k", time.Date(2023, 1, 1, 0, 5, 0, 0, time.UTC).UnixMilli(), "12:05 24"},
		{"yyyyMMdd", -1, "19691231"},
	} {
		f, err := compileJavaDateFormat(tc.pattern)
		if err != nil {
			t.Fatalf("%s: %v", tc.pattern, err)
		}
		if got := f.format(tc.ms); got != tc.want {
			t.Errorf("format(%q) = %q, want %q", tc.pattern, got, tc.want)
		}
	}
	utc := func(y, mo, d, h, mi, s, ms int) int64 {
		return time.Date(y, time.Month(mo), d, h, mi, s, ms*1e6, time.UTC).UnixMilli()
	}
	for _, tc := range []struct {
		pattern, text string
		want          int64 // -1: ParseException
	}{
		{"yyyyMMdd", "20240131", utc(2024, 1, 31, 0, 0, 0, 0)},
		{"yyyyMMdd", "20240131 and more", utc(2024, 1, 31, 0, 0, 0, 0)},
		{"yyyyMMdd", "20241301", utc(2025, 1, 1, 0, 0, 0, 0)},
		{"yyyy-MM-dd HH:mm:ss", "2024-1-5 3:4:5", utc(2024, 1, 5, 3, 4, 5, 0)},
		{"yyyy-MM-dd HH:mm:ss", "2024-01-05  03:04:05", utc(2024, 1, 5, 3, 4, 5, 0)},
		{"yyyy-MM-dd HH:mm:ss", "2024-01-05 03:04:75", utc(2024, 1, 5, 3, 5, 15, 0)},
		{"yy-MM-dd", "24-01-01", utc(2024, 1, 1, 0, 0, 0, 0)},
		{"yyyy-MM-dd", "24-01-01", utc(24, 1, 1, 0, 0, 0, 0)},
		{"dd/MM/yyyy", "32/01/2024", utc(2024, 2, 1, 0, 0, 0, 0)},
		{"hh:mm a", "12:30 AM", utc(1970, 1, 1, 0, 30, 0, 0)},
		{"hh:mm a", "12:30 pm", utc(1970, 1, 1, 12, 30, 0, 0)},
		{"yyyy-MM-dd HH:mm Z", "2024-01-01 10:00 +0200", utc(2024, 1, 1, 8, 0, 0, 0)},
		{"yyyy-MM-dd'T'HH:mm:ssX", "2024-01-01T10:00:00Z", utc(2024, 1, 1, 10, 0, 0, 0)},
		{"yyyy-MM-dd'T'HH:mm:ssXXX", "2024-01-01T10:00:00-05:30", utc(2024, 1, 1, 15, 30, 0, 0)},
		{"yyyy-MM-dd HH:mm z", "2024-01-01 10:00 GMT+01:00", utc(2024, 1, 1, 9, 0, 0, 0)},
		{"MMM d, yyyy", "jan 5, 2024", utc(2024, 1, 5, 0, 0, 0, 0)},
		{"MMMM d yyyy", "February 29 2024", utc(2024, 2, 29, 0, 0, 0, 0)},
		{"EEE, d MMM yyyy", "Fri, 5 Jan 2024", utc(2024, 1, 5, 0, 0, 0, 0)},
		{"HH:mm:ss.SSS", "01:02:03.4", utc(1970, 1, 1, 1, 2, 3, 4)},
		{"yyyy-MM-dd", "abc", -1},
		{"yyyy-MM-dd", "2024/01/01", -1},
		{"yyyyMMdd", "2024011", utc(2024, 1, 1, 0, 0, 0, 0)},
		{"yyyyMMdd", "202401", -1},
	} {
		f, err := compileJavaDateFormat(tc.pattern)
		if err != nil {
			t.Fatalf("%s: %v", tc.pattern, err)
		}
		got, ok := f.parse(tc.text)
		if !ok {
			got = -1
		}
		if got != tc.want {
			t.Errorf("parse(%q, %q) = %d (%s), want %d (%s)", tc.pattern, tc.text, got, time.UnixMilli(got).UTC(), tc.want, time.UnixMilli(tc.want).UTC())
		}
	}
	if y := ambiguousYear(99, time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)); y != 1999 {
		t.Errorf("ambiguousYear(99) in 2024 = %d", y)
	}
	if y := ambiguousYear(43, time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)); y != 2043 {
		t.Errorf("ambiguousYear(43) in 2024 = %d", y)
	}
	for _, bad := range []string{"yyyy-T", "'open", "yyyy-MM-dd b"} {
		if _, err := compileJavaDateFormat(bad); err == nil {
			t.Errorf("compileJavaDateFormat(%q) accepted", bad)
		}
	}
}
