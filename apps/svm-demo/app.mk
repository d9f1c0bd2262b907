APP_SRCS := $(wildcard apps/svm-demo/*.c)
APP_GEN_OBJS :=
