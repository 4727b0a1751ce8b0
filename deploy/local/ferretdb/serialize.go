package main

// FerretDB v1 applies an update as read, modify in Go, write back, with no lock between
// the read and the write: two concurrent `$inc` on one document lose increments, and a
// conditional update is no compare-and-set (both measured here: 399 of 900 increments kept).
// MongoDB guarantees single-document atomicity, and Voronka's outbox, inbox and timers rely
// on it. This proxy restores it for the test server by running one command at a time per
// database: it forwards whole wire-protocol messages to FerretDB under the lock of the
// database the command names (`$db`). Each database is its own SQLite file, so commands on
// different databases (each service has its own) run side by side; one global lock made a
// slow scan in one service stall every other service (ADR 0005, addendum).

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"
)

const (
	opQuery        = 2004
	opMsg          = 2013
	flagMoreToCome = 1 << 1
	maxMessageSize = 48 * 1024 * 1024
	// A command that takes longer, or a client that stops reading its reply, must not hold
	// its database's lock forever: the connection is dropped instead.
	stallTimeout = 30 * time.Second
)

// serializer accepts client connections and relays each to its own backend connection.
type serializer struct {
	backend string // Unix socket path
	mu      sync.Mutex
	locks   map[string]*sync.Mutex // by database name; "" for messages that name none
	logger  *slog.Logger
	stats   *commandStats // nil unless --stats-every is set
}

// lockOf returns the lock of one database, made on first use.
func (s *serializer) lockOf(database string) *sync.Mutex {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.locks == nil {
		s.locks = map[string]*sync.Mutex{}
	}
	lock, ok := s.locks[database]
	if !ok {
		lock = &sync.Mutex{}
		s.locks[database] = lock
	}
	return lock
}

func (s *serializer) serve(l net.Listener) error {
	for {
		client, err := l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		go s.relay(client)
	}
}

func (s *serializer) relay(client net.Conn) {
	defer client.Close()
	backend, err := net.Dial("unix", s.backend)
	if err != nil {
		s.logger.Error("backend unreachable", "error", err)
		return
	}
	defer backend.Close()
	for {
		request, err := readMessage(client)
		if err != nil {
			return // client went away
		}
		if err := s.roundTrip(request, backend, client); err != nil {
			s.logger.Warn("relay stopped", "error", err)
			return
		}
	}
}

// roundTrip sends one request and copies back every reply it causes, holding its database's
// lock so no other command on that database runs in between.
func (s *serializer) roundTrip(request []byte, backend, client net.Conn) error {
	database := databaseOf(request)
	lock := s.lockOf(database)
	lock.Lock()
	defer lock.Unlock()
	if s.stats != nil {
		defer func(started time.Time, key commandKey) {
			s.stats.add(key, time.Since(started))
		}(time.Now(), commandKey{database, commandOf(request)})
	}
	deadline := time.Now().Add(stallTimeout)
	if err := errors.Join(backend.SetDeadline(deadline), client.SetWriteDeadline(deadline)); err != nil {
		return err
	}
	if _, err := backend.Write(request); err != nil {
		return err
	}
	if expectsNoReply(request) {
		return nil
	}
	for {
		reply, err := readMessage(backend)
		if err != nil {
			return err
		}
		if _, err := client.Write(reply); err != nil {
			return err
		}
		if !expectsNoReply(reply) { // an exhaust stream ends with a reply without moreToCome
			return nil
		}
	}
}

func readMessage(r io.Reader) ([]byte, error) {
	var header [16]byte
	if _, err := io.ReadFull(r, header[:]); err != nil {
		return nil, err
	}
	length := int(binary.LittleEndian.Uint32(header[:4]))
	if length < 16 || length > maxMessageSize {
		return nil, fmt.Errorf("bad message length %d", length)
	}
	message := make([]byte, length)
	copy(message, header[:])
	if _, err := io.ReadFull(r, message[16:]); err != nil {
		return nil, err
	}
	return message, nil
}

// expectsNoReply tells whether an OP_MSG carries the moreToCome flag.
func expectsNoReply(message []byte) bool {
	if len(message) < 20 || readOpCode(message) != opMsg {
		return false
	}
	return binary.LittleEndian.Uint32(message[16:20])&flagMoreToCome != 0
}

// databaseOf names the database a request addresses: `$db` of an OP_MSG body, the prefix of
// an OP_QUERY's collection name, or "" when the message names none.
func databaseOf(message []byte) string {
	if len(message) < 21 {
		return ""
	}
	switch readOpCode(message) {
	case opQuery: // flags, then "db.collection\x00"
		name, _, ok := cstring(message, 20)
		if !ok {
			return ""
		}
		database, _, _ := strings.Cut(name, ".")
		return database
	case opMsg:
		return dbOfSections(message, 20)
	}
	return ""
}

// dbOfSections finds the body section (kind 0) of an OP_MSG and reads its `$db`.
func dbOfSections(message []byte, at int) string {
	for at < len(message) {
		kind := message[at]
		at++
		switch kind {
		case 0:
			return stringField(message, at, "$db")
		case 1: // a document sequence: int32 size (counting itself), then its content
			if at+4 > len(message) {
				return ""
			}
			at += int(binary.LittleEndian.Uint32(message[at : at+4]))
		default:
			return ""
		}
	}
	return ""
}

// stringField reads a top-level string field of the BSON document at offset at.
func stringField(message []byte, at int, field string) string {
	offset, ok := fieldOffset(message, at, field, 0x02)
	if !ok {
		return ""
	}
	value, _, ok := bsonString(message, offset)
	if !ok {
		return ""
	}
	return value
}

// fieldOffset finds a top-level field of the given type in the document at offset at and
// returns the offset of its value.
func fieldOffset(message []byte, at int, field string, kind byte) (int, bool) {
	if at+4 > len(message) {
		return 0, false
	}
	end := at + int(binary.LittleEndian.Uint32(message[at:at+4])) - 1
	if end > len(message) {
		return 0, false
	}
	for at += 4; at < end; {
		k := message[at]
		name, next, ok := cstring(message, at+1)
		if !ok {
			return 0, false
		}
		if k == kind && name == field {
			return next, true
		}
		size, ok := valueSize(message, next, k)
		if !ok {
			return 0, false
		}
		at = next + size
	}
	return 0, false
}

// valueSize is the length of a BSON value of the given type starting at offset at.
func valueSize(message []byte, at int, kind byte) (int, bool) {
	int32At := func(offset int) (int, bool) {
		if offset+4 > len(message) {
			return 0, false
		}
		return int(binary.LittleEndian.Uint32(message[offset : offset+4])), true
	}
	switch kind {
	case 0x01, 0x09, 0x11, 0x12: // double, UTC datetime, timestamp, int64
		return 8, true
	case 0x02, 0x0D, 0x0E: // string, JavaScript code, symbol: int32 length, then the bytes
		n, ok := int32At(at)
		return 4 + n, ok
	case 0x03, 0x04, 0x0F: // document, array, code with scope: the int32 counts itself
		return int32At(at)
	case 0x05: // binary: int32 length, subtype, bytes
		n, ok := int32At(at)
		return 5 + n, ok
	case 0x06, 0x0A, 0x7F, 0xFF: // undefined, null, max key, min key
		return 0, true
	case 0x07: // ObjectId
		return 12, true
	case 0x08: // boolean
		return 1, true
	case 0x0B: // regular expression: two cstrings
		_, next, ok := cstring(message, at)
		if !ok {
			return 0, false
		}
		_, end, ok := cstring(message, next)
		return end - at, ok
	case 0x0C: // DBPointer: string, then an ObjectId
		n, ok := int32At(at)
		return 4 + n + 12, ok
	case 0x10: // int32
		return 4, true
	case 0x13: // decimal128
		return 16, true
	}
	return 0, false
}

// cstring reads a zero-terminated string at offset at and returns the offset after it.
func cstring(message []byte, at int) (string, int, bool) {
	for i := at; i < len(message); i++ {
		if message[i] == 0 {
			return string(message[at:i]), i + 1, true
		}
	}
	return "", 0, false
}

// bsonString reads a BSON string (int32 length with the trailing zero, bytes, zero).
func bsonString(message []byte, at int) (string, int, bool) {
	if at+4 > len(message) {
		return "", 0, false
	}
	n := int(binary.LittleEndian.Uint32(message[at : at+4]))
	if n < 1 || at+4+n > len(message) {
		return "", 0, false
	}
	return string(message[at+4 : at+4+n-1]), at + 4 + n, true
}

// readOpCode reads the operation code of a message's header.
func readOpCode(message []byte) uint32 {
	return binary.LittleEndian.Uint32(message[12:16])
}
