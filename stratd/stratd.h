/*
 * stratd.h: the strategy daemon's context.
 */
#ifndef STRATD_STRATD_H
#define STRATD_STRATD_H

#include "cmds.h"
#include "daemon.h"

struct stratd_ctx {
	struct daemon		 d;
	struct stratd_core	 core;	/* what the command handlers use */
	int			 pin_warned;
};

#endif
