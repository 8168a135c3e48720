package main

import (
	"bytes"
	"encoding/binary"
	"io"
	"strings"
	"testing"
)

type parsedReply struct {
	kind      byte
	code      int32
	nonce     string
	out, errs string
}

func request(nonce string, payload string) []byte {
	frame := make([]byte, 4)
	binary.BigEndian.PutUint32(frame, uint32(len(payload)))
	return append(append(frame, nonce...), payload...)
}

func parse(t *testing.T, data []byte) []parsedReply {
	var replies []parsedReply
	for len(data) > 0 {
		if len(data) < 21 {
			t.Fatalf("short reply header: %q", data)
		}
		out, errs := binary.BigEndian.Uint32(data[5:]), binary.BigEndian.Uint32(data[9:])
		body := data[21:]
		replies = append(replies, parsedReply{data[0], int32(binary.BigEndian.Uint32(data[1:])), string(data[13:21]),
			string(body[:out]), string(body[out : out+errs])})
		data = body[out+errs:]
	}
	return replies
}

func TestServeAnswersEachFrameWithItsNonce(t *testing.T) {
	var in bytes.Buffer
	in.Write(request("nonce001", "World"))
	in.Write(request("nonce002", ""))
	in.Write(request("nonce003", "teapot"))
	in.Write(request("nonce004", "panic"))
	in.Write(request("nonce005", "big"))
	in.Write(request("nonce006", "again"))
	var out bytes.Buffer
	if err := serve(&in, &out, 100); err != nil {
		t.Fatal(err)
	}
	replies := parse(t, out.Bytes())
	if len(replies) != 6 {
		t.Fatalf("6 replies expected, got %d: %+v", len(replies), replies)
	}
	want := []parsedReply{
		{kindExited, 0, "nonce001", "POST World", ""},
		{kindExited, 0, "nonce002", "POST ", ""},
		{kindExited, 1, "nonce003", "", "HTTP status 418: short and stout"},
	}
	for i, w := range want {
		if replies[i] != w {
			t.Errorf("reply %d: got %+v, want %+v", i, replies[i], w)
		}
	}
	if r := replies[3]; r.kind != kindExited || r.code != 1 || !strings.Contains(r.errs, "panic: asked to") {
		t.Errorf("a panic fails the call with its message: %+v", r)
	}
	if r := replies[4]; r.kind != kindOutputTooLong || r.out != "" {
		t.Errorf("output over the cap: %+v", r)
	}
	if r := replies[5]; r != (parsedReply{kindExited, 0, "nonce006", "POST again", ""}) {
		t.Errorf("the runtime serves on after a panic: %+v", r)
	}
}

func TestServeEndsCleanlyWhenTheWorkerCloses(t *testing.T) {
	if err := serve(bytes.NewReader(nil), io.Discard, 10); err != nil {
		t.Errorf("EOF between frames is the end: %v", err)
	}
	truncated := request("nonce001", "World")[:10]
	if err := serve(bytes.NewReader(truncated), io.Discard, 10); err == nil {
		t.Error("a frame cut short is an error")
	}
}
