# Shared-region table (hv/core/shmem_table.c): reference counts, creation and freeing.
UNIT_TESTS += test_shmem
test_shmem_SRCS := tests/unit/hv/test_shmem.c hv/core/shmem_table.c lib/src/string.c
