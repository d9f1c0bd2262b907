/* Emulated console UART per VM (the arch's model, <hv/vuart.h>: a PL011, a 16550): transmit goes
 * to the hypervisor console, input comes from the physical UART's receive interrupt and goes to the VM with the input focus (for now: the first VM
 * with an emulated console that is still running). */
#include <base/boot.h>
#include <base/console.h>
#include <base/irq.h>
#include <base/log.h>
#include <base/mm.h>
#include <hv/arch.h>
#include <hv/console_upcalls.h>
#include <hv/vconsole.h>
#include <hv/virq.h>
#include <hv/vm.h>


static void vuart_tx(void *ctx, char c)
{
    struct vconsole *vc = ctx;
    console_port_output(&vc->port, c);
}

static void vuart_irq(void *ctx, bool level)
{
    struct vconsole *vc = ctx;
    virq_set_level(vc->vm, NULL, vc->intid, level);
}

/* Moves waiting input into the UART as its FIFO frees up; called with vc->lock held. */
static void refill(struct vconsole *vc)
{
    while (vc->pending_head != vc->pending_tail && vc->model->rx_space(vc->uart) > 0) {
        if (!vc->model->rx(vc->uart, vc->pending[vc->pending_head % sizeof(vc->pending)]))
            break;
        vc->pending_head++;
    }
}

static bool vuart_read(struct vdev *dev, struct vcpu *vcpu, u64 off, u8 width, u64 *val)
{
    struct vconsole *vc = dev->priv;
    (void)vcpu;
    spin_lock(&vc->lock);
    bool ok = vc->model->read(vc->uart, off, width, val);
    refill(vc); /* a read of the data register makes room */
    spin_unlock(&vc->lock);
    return ok;
}

static bool vuart_write(struct vdev *dev, struct vcpu *vcpu, u64 off, u8 width, u64 val)
{
    struct vconsole *vc = dev->priv;
    (void)vcpu;
    spin_lock(&vc->lock);
    bool ok = vc->model->write(vc->uart, off, width, val);
    refill(vc); /* enabling RXE or the FIFO makes room */
    spin_unlock(&vc->lock);
    return ok;
}

bool vconsole_fast_mmio(struct vconsole *vc, gpa_t addr, u8 width, bool write, u64 *val)
{
    u64 off = addr.val - vc->dev.base.val;
    if (!write)
        return vc->model->fast_read && vc->model->fast_read(vc->uart, off, width, val);
    if (!vc->model->fast_write)
        return false;
    spin_lock(&vc->lock);
    bool ok = vc->model->fast_write(vc->uart, off, width, *val);
    spin_unlock(&vc->lock);
    return ok;
}

/* Guards the input path's use of a VM's console against the VM releasing it. */
static spinlock_t focus_lock = SPINLOCK_INIT;

static void vuart_destroy(struct vdev *dev)
{
    struct vconsole *vc = dev->priv;
    spin_lock(&focus_lock);
    vc->vm->console = NULL;
    spin_unlock(&focus_lock);
    console_vm_detached(vc->vm);
    kfree(vc);
}

void vconsole_port_gone(struct vm *vm, struct console_port *p)
{
    spin_lock(&focus_lock);
    if (vm->hvc == p)
        vm->hvc = NULL;
    spin_unlock(&focus_lock);
    console_vm_detached(vm);
}

struct console_port *vm_console_port(struct vm *vm, u32 i)
{
    if (!vm)
        return NULL;
    if (i == 0)
        return vm->console ? &vm->console->port : NULL;
    return i == 1 ? vm->hvc : NULL;
}

static void vuart_input(struct console_port *p, char c);

static const struct vdev_ops vuart_ops = {vuart_read, vuart_write, vuart_destroy};

void vconsole_detach(struct vm *vm)
{
    spin_lock(&focus_lock); /* input already on its way to this console gets there first */
    vm->console = NULL;
    vm->hvc = NULL;
    spin_unlock(&focus_lock);
}

int vconsole_create(struct vm *vm, gpa_t base, u32 intid)
{
    const struct vuart_model *model = vm_arch_console_uart();
    struct vconsole *vc = kzalloc(sizeof(*vc) + model->state_size);
    if (!vc)
        return -1;
    vc->vm = vm;
    vc->intid = intid;
    vc->port.vm = vm;
    vc->port.input = vuart_input;
    vc->model = model;
    vc->uart = vc + 1;
    struct vuart_host host = {vuart_tx, vuart_irq, vc};
    model->init(vc->uart, &host);
    vc->dev = (struct vdev){.name = model->name, .space = model->space, .base = base, .size = model->size,
                            .ops = &vuart_ops, .priv = vc};
    vm_add_vdev(vm, &vc->dev);
    vm->console = vc;
    return 0;
}

size_t vconsole_read(struct vm *vm, char *buf, size_t n)
{
    struct vconsole *vc = vm->console; /* destroyed only with the VM, whose vCPU calls this */
    size_t got = 0;
    if (!vc || !vc->model->getc)
        return 0;
    spin_lock(&vc->lock);
    while (got < n) {
        int c = vc->model->getc(vc->uart);
        if (c < 0)
            break;
        buf[got++] = (char)c;
        refill(vc);
    }
    spin_unlock(&vc->lock);
    return got;
}

static void vuart_input(struct console_port *p, char c)
{
    struct vconsole *vc = (struct vconsole *)p; /* port is its first member */
    spin_lock(&vc->lock);
    if (vc->pending_tail - vc->pending_head < sizeof(vc->pending))
        vc->pending[vc->pending_tail++ % sizeof(vc->pending)] = c;
    refill(vc);
    spin_unlock(&vc->lock);
}

/* Drains the physical UART: Ctrl-] switches focus; other bytes go to the focused VM's input
 * buffer (dropped only when 1 KiB waits) or to the shell. */
static void host_rx_irq(u32 intid, void *arg)
{
    (void)intid, (void)arg;
    int c;
    while ((c = console_getc()) >= 0) {
        spin_lock(&focus_lock);
        shell_input((char)c); /* to the focused VM's UART, or the shell */
        spin_unlock(&focus_lock);
    }
}

void vconsole_input_init(void)
{
    u32 intid = boot_info.uart_intid;
    if (!intid) {
        pr_warn("console: the host DTB gives no UART interrupt; guests get no console input");
        return;
    }
    irq_set_handler(intid, host_rx_irq, NULL);
    irq_set_target(intid, 0);
    irq_enable(intid);
    console_enable_rx_irq();
}
