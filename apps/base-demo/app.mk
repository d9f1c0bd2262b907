APP_SRCS := $(wildcard apps/base-demo/*.c)
APP_GEN_OBJS :=
