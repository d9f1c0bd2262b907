/* tbprof: guest instructions per function from QEMU's `-d in_asm,exec,nochain` log (docs/bench.md,
 * "Where a guest's instructions go"). Reads the log on stdin; every executed translation block
 * ("Trace N: host [cs_base/pc/flags/cflags]") counts its instruction count (from the last "IN:"
 * disassembly of that pc) once. Writes "pc insns-executed" per block to stdout, for
 * tools/tbprof_funcs.py to map onto a symbol list. Host build: cc -O2 -o tbprof tools/tbprof.c */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS (1u << 22) /* open addressing; a kernel boot executes far fewer distinct blocks */

struct slot {
    uint64_t pc, execs, size;
};
static struct slot *tab;

static struct slot *find(uint64_t pc)
{
    uint64_t h = (pc * 0x9e3779b97f4a7c15ull) >> 42;
    for (;; h = (h + 1) & (SLOTS - 1)) {
        struct slot *s = &tab[h & (SLOTS - 1)];
        if (s->pc == pc || s->pc == 0) {
            s->pc = pc;
            return s;
        }
    }
}

int main(void)
{
    static char line[4096];
    tab = calloc(SLOTS, sizeof(*tab));
    struct slot *cur = NULL; /* the block an "IN:" disassembly is describing */
    uint64_t unsized = 0;
    while (fgets(line, sizeof(line), stdin)) {
        if (line[0] == 'T' && !strncmp(line, "Trace ", 6)) {
            char *b = strchr(line, '[');
            char *p = b ? strchr(b, '/') : NULL;
            if (p)
                find(strtoull(p + 1, NULL, 16))->execs++;
            cur = NULL;
        } else if (line[0] == 'I' && !strncmp(line, "IN:", 3)) {
            cur = (struct slot *)1; /* the first address line names the block */
        } else if (cur && line[0] == '0' && line[1] == 'x') {
            uint64_t pc = strtoull(line, NULL, 16);
            if (cur == (struct slot *)1) {
                cur = find(pc);
                cur->size = 0;
            }
            cur->size++;
        } else if (line[0] == '\n') {
            cur = NULL;
        }
    }
    for (uint32_t i = 0; i < SLOTS; i++)
        if (tab[i].execs) {
            if (!tab[i].size)
                unsized += tab[i].execs;
            printf("%llx %llu\n", (unsigned long long)tab[i].pc,
                   (unsigned long long)(tab[i].execs * (tab[i].size ? tab[i].size : 1)));
        }
    fprintf(stderr, "tbprof: %llu executions of blocks never disassembled (counted as 1 instruction)\n",
            (unsigned long long)unsized);
    return 0;
}
