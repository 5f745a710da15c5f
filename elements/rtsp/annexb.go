package rtsp

// SplitAnnexB splits an Annex-B byte-stream (NAL units each preceded by a
// 00 00 01 or 00 00 00 01 start code) into its NAL units, without start
// codes and without copying: the units are sub-slices of b. Bytes before
// the first start code and the trailing zero bytes of each unit
// (trailing_zero_8bits) are dropped, and so are empty units.
func SplitAnnexB(b []byte) [][]byte {
	var nalus [][]byte
	start := -1 // first byte of the current unit, -1 before the first start code
	zeros := 0  // consecutive zero bytes just before i
	for i := 0; i < len(b); i++ {
		switch {
		case b[i] == 0:
			zeros++
			continue
		case b[i] == 1 && zeros >= 2:
			if start >= 0 {
				nalus = appendNALU(nalus, b[start:i-zeros])
			}
			start = i + 1
		}
		zeros = 0
	}
	if start >= 0 {
		nalus = appendNALU(nalus, b[start:len(b)-zeros])
	}
	return nalus
}

func appendNALU(nalus [][]byte, n []byte) [][]byte {
	if len(n) == 0 {
		return nalus
	}
	return append(nalus, n)
}
