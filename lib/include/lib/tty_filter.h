/* Guest console text made safe for the user's terminal (lib/src/tty_filter.c).
 *
 * A guest's console bytes reach the terminal raw only while that guest has the console focus.
 * Everywhere else (hypercall console lines, the replay of an unfocused VM's buffer) they go
 * through this filter, which lets through printable text only: ASCII 0x20-0x7e, tab, newline,
 * and well-formed UTF-8 for code points from U+00A0 up. Escape sequences (CSI, OSC, DCS, SOS,
 * PM, APC, two-byte ESC sequences) are removed whole; other control characters (C0, DEL, C1 in
 * either encoding) are dropped; bytes that are not valid UTF-8 become '?'. The filter keeps
 * state between calls, so a sequence split across calls is still recognised. */
#ifndef LIB_TTY_FILTER_H
#define LIB_TTY_FILTER_H

#include <lib/types.h>

/* Control strings longer than this are given up on (the filter goes back to text), so a guest
 * cannot make all its later output vanish by opening one. */
#define TTY_FILTER_MAX_SEQ 256

struct tty_filter {
    u8 state;
    u8 utf8_need;  /* continuation bytes still expected */
    u8 utf8_len;   /* bytes of the current UTF-8 sequence so far */
    u8 utf8[4];
    u32 utf8_cp;
    u16 seq_len;   /* bytes of the escape sequence being removed */
};

/* Up to this many bytes come out of one tty_filter_byte call. */
#define TTY_FILTER_OUT_MAX 4

void tty_filter_init(struct tty_filter *f);
/* Feeds one byte; writes what may be shown to out and returns how many bytes that is. */
size_t tty_filter_byte(struct tty_filter *f, u8 c, char out[TTY_FILTER_OUT_MAX]);

/* Puts a terminal that a guest drove raw back into a sane state, without clearing the screen:
 * cancels any sequence in progress, soft reset (attributes, cursor shown, modes, margins,
 * character sets), leaves the alternate screen, and turns mouse reporting and bracketed paste
 * off. */
#define TTY_RESET "\x18\x1b[!p\x1b[?1049l\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?2004l\x1b[0m\x1b[?25h\x0f"

#endif
