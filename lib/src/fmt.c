/* Minimal vsnprintf: integer and string conversions only (no floating point at EL2). */
#include <lib/fmt.h>
#include <lib/string.h>

/* Output goes into buf (snprintf: cut at size) or, with a sink, out in chunks (no limit). */
struct out {
    char *buf;
    size_t size;
    size_t pos;
    fmt_sink_fn *sink;
    void *ctx;
    size_t chunk_len;
    char chunk[64];
};

static void flush(struct out *o)
{
    if (o->chunk_len)
        o->sink(o->ctx, o->chunk, o->chunk_len);
    o->chunk_len = 0;
}

static void put(struct out *o, char c)
{
    if (o->sink) {
        o->chunk[o->chunk_len++] = c;
        if (o->chunk_len == sizeof(o->chunk))
            flush(o);
    } else if (o->pos + 1 < o->size) {
        o->buf[o->pos] = c;
    }
    o->pos++;
}

/* s[0..prefix) is a sign or "0x": zero padding goes after it ("-007", "0x00ff"), as in C. */
static void put_padded(struct out *o, const char *s, size_t len, size_t prefix, int width, bool left,
                       char pad)
{
    int fill = width > (int)len ? width - (int)len : 0;
    if (!left && pad == '0')
        for (; prefix && len; prefix--, len--)
            put(o, *s++);
    if (!left)
        while (fill--)
            put(o, pad);
    while (len--)
        put(o, *s++);
    if (left)
        while (fill-- > 0)
            put(o, ' ');
}

static size_t utoa(u64 v, unsigned base, bool upper, char *tmp)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char rev[24];
    size_t n = 0;
    do {
        rev[n++] = digits[v % base];
        v /= base;
    } while (v);
    for (size_t i = 0; i < n; i++)
        tmp[i] = rev[n - 1 - i];
    return n;
}

static void format(struct out *o, const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(o, *fmt);
            continue;
        }
        fmt++;
        bool left = false, alt = false;
        char pad = ' ';
        for (;; fmt++) {
            if (*fmt == '-')
                left = true;
            else if (*fmt == '#')
                alt = true;
            else if (*fmt == '0')
                pad = '0';
            else
                break;
        }
        int width = 0, prec = -1;
        if (*fmt == '*') {
            width = va_arg(ap, int);
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        if (*fmt == '.') {
            fmt++;
            prec = 0;
            if (*fmt == '*') {
                prec = va_arg(ap, int);
                fmt++;
            }
            while (*fmt >= '0' && *fmt <= '9')
                prec = prec * 10 + (*fmt++ - '0');
        }
        int lng = 0; /* 0 int, 1 long, 2 long long / size_t */
        while (*fmt == 'l' || *fmt == 'z' || *fmt == 'h') {
            if (*fmt == 'l')
                lng++;
            else if (*fmt == 'z')
                lng = 2;
            fmt++;
        }
        char tmp[24];
        size_t len;
        switch (*fmt) {
        case 'd':
        case 'i': {
            s64 v = lng ? va_arg(ap, s64) : va_arg(ap, int);
            bool neg = v < 0;
            u64 mag = neg ? (u64)0 - (u64)v : (u64)v;
            tmp[0] = '-';
            len = utoa(mag, 10, false, tmp + neg) + neg;
            put_padded(o, tmp, len, neg, width, left, pad);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            u64 v = lng ? va_arg(ap, u64) : va_arg(ap, unsigned);
            size_t pre = 0;
            if (alt && *fmt != 'u' && v) { /* "%#x": 0x prefix, as in C */
                tmp[0] = '0';
                tmp[1] = *fmt == 'X' ? 'X' : 'x';
                pre = 2;
            }
            len = utoa(v, *fmt == 'u' ? 10 : 16, *fmt == 'X', tmp + pre) + pre;
            put_padded(o, tmp, len, pre, width, left, pad);
            break;
        }
        case 'p': {
            u64 v = (uintptr_t)va_arg(ap, void *);
            tmp[0] = '0';
            tmp[1] = 'x';
            len = utoa(v, 16, false, tmp + 2) + 2;
            put_padded(o, tmp, len, 2, width, left, pad);
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            len = prec >= 0 ? strnlen(s, (size_t)prec) : strlen(s);
            put_padded(o, s, len, 0, width, left, ' ');
            break;
        }
        case 'c':
            tmp[0] = (char)va_arg(ap, int);
            put_padded(o, tmp, 1, 0, width, left, ' ');
            break;
        case '%':
            put(o, '%');
            break;
        case '\0':
            fmt--;
            break;
        default:
            put(o, '%');
            put(o, *fmt);
            break;
        }
    }
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = {.buf = buf, .size = size};
    format(&o, fmt, ap);
    if (size)
        buf[o.pos < size ? o.pos : size - 1] = '\0';
    return (int)o.pos;
}

int fmt_vprint(fmt_sink_fn *sink, void *ctx, const char *fmt, va_list ap)
{
    struct out o = {.sink = sink, .ctx = ctx};
    format(&o, fmt, ap);
    flush(&o);
    return (int)o.pos;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
