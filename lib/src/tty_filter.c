/* Guest console text made safe for the user's terminal: see lib/include/lib/tty_filter.h. The
 * escape-sequence states follow the usual VT500-style parser (ECMA-48): ESC, then either a
 * final byte, intermediates and a final byte, '[' and a CSI, or one of ']' 'P' 'X' '^' '_' and
 * a control string ended by BEL or ESC '\'. CAN and SUB abort any of them. */
#include <lib/tty_filter.h>

enum {
    ST_TEXT,
    ST_ESC,     /* after ESC */
    ST_ESC_INT, /* ESC, intermediate bytes 0x20-0x2f */
    ST_CSI,     /* ESC [ : parameters, intermediates, up to a final byte 0x40-0x7e */
    ST_STRING,  /* OSC / DCS / SOS / PM / APC body */
    ST_STRING_ESC,
};

#define ESC 0x1b
#define BEL 0x07
#define CAN 0x18
#define SUB 0x1a

void tty_filter_init(struct tty_filter *f)
{
    *f = (struct tty_filter){0};
}

/* A UTF-8 sequence was cut short (or was never valid): one '?' stands for it. */
static size_t utf8_bad(struct tty_filter *f, char *out)
{
    f->utf8_need = f->utf8_len = 0;
    out[0] = '?';
    return 1;
}

static size_t text_byte(struct tty_filter *f, u8 c, char *out)
{
    if (f->utf8_need) {
        if ((c & 0xc0) == 0x80) {
            f->utf8[f->utf8_len++] = c;
            f->utf8_cp = f->utf8_cp << 6 | (c & 0x3f);
            if (--f->utf8_need)
                return 0;
            u32 cp = f->utf8_cp;
            size_t n = f->utf8_len;
            f->utf8_len = 0;
            /* overlong forms, surrogates, beyond U+10FFFF; C1 controls (U+0080-U+009F) dropped */
            static const u32 min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
            if (cp < min_cp[n] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
                out[0] = '?';
                return 1;
            }
            if (cp < 0xa0)
                return 0;
            for (size_t i = 0; i < n; i++)
                out[i] = (char)f->utf8[i];
            return n;
        }
        /* not a continuation byte: the sequence was broken; c is looked at on its own */
        size_t n = utf8_bad(f, out);
        return n + text_byte(f, c, out + n); /* at most 1 more: c starts no sequence here */
    }
    if (c == ESC) {
        f->state = ST_ESC;
        f->seq_len = 0;
        return 0;
    }
    if (c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f)) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x80) /* C0 controls, DEL */
        return 0;
    if (c < 0xc2 || c > 0xf4) { /* a stray continuation byte, or never a lead byte */
        out[0] = '?';
        return 1;
    }
    f->utf8[0] = c;
    f->utf8_len = 1;
    f->utf8_need = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
    f->utf8_cp = c & (c >= 0xf0 ? 0x07 : c >= 0xe0 ? 0x0f : 0x1f);
    return 0;
}

size_t tty_filter_byte(struct tty_filter *f, u8 c, char out[TTY_FILTER_OUT_MAX])
{
    if (f->state != ST_TEXT) {
        if (c == CAN || c == SUB) {
            f->state = ST_TEXT;
            return 0;
        }
        if (++f->seq_len > TTY_FILTER_MAX_SEQ) { /* give up on it: back to text */
            f->state = ST_TEXT;
            return text_byte(f, c, out);
        }
    }
    switch (f->state) {
    case ST_ESC:
        if (c == '[')
            f->state = ST_CSI;
        else if (c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_')
            f->state = ST_STRING;
        else if (c >= 0x20 && c <= 0x2f)
            f->state = ST_ESC_INT;
        else if (c != ESC)
            f->state = ST_TEXT; /* a final byte (or a control, dropped with the ESC) */
        return 0;
    case ST_ESC_INT:
        if (c >= 0x30 && c <= 0x7e)
            f->state = ST_TEXT;
        else if (c == ESC)
            f->state = ST_ESC;
        return 0;
    case ST_CSI:
        if (c >= 0x40 && c <= 0x7e)
            f->state = ST_TEXT;
        else if (c == ESC)
            f->state = ST_ESC;
        return 0;
    case ST_STRING:
        if (c == BEL)
            f->state = ST_TEXT;
        else if (c == ESC)
            f->state = ST_STRING_ESC;
        return 0;
    case ST_STRING_ESC:
        f->state = c == '\\' ? ST_TEXT : ST_STRING;
        return 0;
    default:
        return text_byte(f, c, out);
    }
}
