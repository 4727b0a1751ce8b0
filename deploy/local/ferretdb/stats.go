package main

// Optional statistics of the commands the proxy relayed, to tell which database and command
// keep the local server busy (`--stats-every=10s`; off by default).

import (
	"encoding/binary"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"
)

// commandKey names what a request asked: its database and its command.
type commandKey struct{ database, command string }

type commandTotals struct {
	count int
	spent time.Duration
}

// commandStats adds up, per database and command, how many ran and how long they held a lock.
type commandStats struct {
	mu     sync.Mutex
	totals map[commandKey]*commandTotals
}

func (c *commandStats) add(key commandKey, spent time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.totals == nil {
		c.totals = map[commandKey]*commandTotals{}
	}
	t, ok := c.totals[key]
	if !ok {
		t = &commandTotals{}
		c.totals[key] = t
	}
	t.count++
	t.spent += spent
}

// take returns the totals since the last call, busiest first, and starts afresh.
func (c *commandStats) take() []string {
	c.mu.Lock()
	totals := c.totals
	c.totals = nil
	c.mu.Unlock()
	keys := make([]commandKey, 0, len(totals))
	for k := range totals {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return totals[keys[i]].spent > totals[keys[j]].spent })
	lines := make([]string, 0, len(keys))
	for _, k := range keys {
		t := totals[k]
		lines = append(lines, fmt.Sprintf("%s.%s n=%d ms=%d", k.database, k.command, t.count, t.spent.Milliseconds()))
	}
	return lines
}

// report logs the totals every interval until stop is closed.
func (c *commandStats) report(every time.Duration, logger *slog.Logger, stop <-chan struct{}) {
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ticker.C:
			if lines := c.take(); len(lines) > 0 {
				logger.Warn("commands", "every", every.String(), "busiest", strings.Join(lines, "; "))
			}
		}
	}
}

// commandOf names the command of an OP_MSG body (its first field) and the collection it
// names, when that field holds one.
func commandOf(message []byte) string {
	if len(message) < 26 || readOpCode(message) != opMsg || message[20] != 0 {
		return "?"
	}
	name, next, ok := cstring(message, 26) // kind byte, int32 document size, element type
	if !ok {
		return "?"
	}
	if message[25] == 0x02 {
		if collection, _, ok := bsonString(message, next); ok {
			return name + " " + collection + filterShape(message)
		}
	}
	return name
}

// filterShape lists the top-level fields of a find's or findAndModify's filter, as
// " {a,b}", so different queries on one collection are told apart.
func filterShape(message []byte) string {
	for _, field := range []string{"filter", "query"} {
		at, ok := fieldOffset(message, 21, field, 0x03)
		if !ok {
			continue
		}
		return " {" + strings.Join(topLevelNames(message, at), ",") + "}"
	}
	return ""
}

// topLevelNames lists the field names of the document at offset at.
func topLevelNames(message []byte, at int) []string {
	var names []string
	end := at + int(binary.LittleEndian.Uint32(message[at:at+4])) - 1
	for at += 4; at < end && at < len(message); {
		k := message[at]
		name, next, ok := cstring(message, at+1)
		if !ok {
			return names
		}
		names = append(names, name)
		size, ok := valueSize(message, next, k)
		if !ok {
			return names
		}
		at = next + size
	}
	return names
}
