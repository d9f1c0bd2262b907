APP_SRCS := $(wildcard apps/blk-demo/*.c)
APP_GEN_OBJS :=
