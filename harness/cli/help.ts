export const EXIT_CODES_HELP = `
Exit codes:
  0    every selected case passed (or was skipped, as long as one ran)
  1    a case failed, errored or timed out
  2    invalid input: a suite, profile, record or option is wrong (the message names file and line),
       or no selected case could run on this terminal (each was skipped)
  3    device or infrastructure error: port missing, terminal unreachable, simulator did not start
  130  interrupted (Ctrl-C or SIGTERM); what ran is written`;
