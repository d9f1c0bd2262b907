#include <arch/spinlock.h>
#include <base/console.h>

static const struct console_driver *console;
static void *console_dev;
static spinlock_t console_lock = SPINLOCK_INIT;

void console_use(const struct console_driver *drv, void *dev)
{
    console_dev = dev;
    console = drv;
}

void console_write_unlocked(const char *s, size_t len)
{
    if (!console)
        return;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n')
            console->putc(console_dev, '\r');
        console->putc(console_dev, s[i]);
    }
}

void console_write(const char *s, size_t len)
{
    spin_lock(&console_lock);
    console_write_unlocked(s, len);
    spin_unlock(&console_lock);
}

void console_begin(void) { spin_lock(&console_lock); }
void console_end(void) { spin_unlock(&console_lock); }

void console_puts(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    console_write(s, n);
}

int console_getc(void) { return console && console->getc ? console->getc(console_dev) : -1; }

void console_enable_rx_irq(void)
{
    if (console && console->enable_rx_irq)
        console->enable_rx_irq(console_dev);
}
