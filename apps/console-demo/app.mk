APP_SRCS := $(wildcard apps/console-demo/*.c)
APP_GEN_OBJS :=
