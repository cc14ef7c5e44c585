package mapping

import (
	"encoding/hex"
	"errors"
	"testing"

	"github.com/starcdc/starcdc/decode"
)

func geo(wkbHex string) *decode.Struct {
	b, _ := hex.DecodeString(wkbHex)
	return &decode.Struct{Names: []string{"wkb", "srid"}, Values: []any{b, nil}}
}

func TestGeometry(t *testing.T) {
	s := logical(decode.TypeStruct, "io.debezium.data.geometry.Geometry")
	for _, tc := range []struct {
		name, wkb, want string
	}{
		{"big-endian point", "00000000013ff00000000000004000000000000000", `"POINT(1 2)"`},
		{"EWKB point with SRID 4326", "0101000020e6100000000000000000f03f0000000000000040", `"POINT(1 2)"`},
		{"ISO point Z", "01e9030000000000000000f03f00000000000000400000000000000840", `"POINT(1 2 3)"`},
		{"empty collection", "010700000000000000", `"GEOMETRYCOLLECTION()"`},
	} {
		got, err := one(t, &Encoder{}, s, geo(tc.wkb))
		if err != nil || got != `{"c":`+tc.want+`,"__op":0}` {
			t.Errorf("%s: %s %v, want %s", tc.name, got, err, tc.want)
		}
	}
	got, err := one(t, &Encoder{Geometry: GeometryWKBHex}, s, geo("0101000000000000000000f03f0000000000000040"))
	if err != nil || got != `{"c":"0101000000000000000000f03f0000000000000040","__op":0}` {
		t.Errorf("hex: %s %v", got, err)
	}
	pt := &decode.Struct{Names: []string{"x", "y", "wkb", "srid"}, Values: []any{1.5, -2.0, nil, nil}}
	if got, err := one(t, &Encoder{}, logical(decode.TypeStruct, "io.debezium.data.geometry.Point"), pt); err != nil || got != `{"c":"POINT(1.5 -2)","__op":0}` {
		t.Errorf("point from x/y: %s %v", got, err)
	}
	for _, bad := range []string{"01", "0101000000000000000000f03f", "0209000000", "01020000000000ffff", "0101000000000000000000f03f000000000000004000"} {
		if _, err := one(t, &Encoder{}, s, geo(bad)); !errors.Is(err, ErrValue) {
			t.Errorf("%s: err %v, want ErrValue", bad, err)
		}
	}
}

func FuzzWKB(f *testing.F) {
	for _, s := range []string{"0101000000000000000000f03f0000000000000040", "010700000000000000", "0104000000020000000101000000000000000000000000000000000000000101000000000000000000f03f000000000000f03f"} {
		b, _ := hex.DecodeString(s)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p := wkbParser{b: b}
		_, _ = p.geometry(nil, 0)
	})
}
