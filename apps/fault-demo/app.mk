APP_SRCS := $(wildcard apps/fault-demo/*.c)
APP_GEN_OBJS :=
