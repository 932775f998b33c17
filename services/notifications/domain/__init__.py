"""Pure notification rules: which event becomes which emails to whom (`routes`), what a recipient chose
and how an email is keyed (`emails`), delivery states and the retry and pacing policy (`delivery`), the
daily digest (`digest`) and the "why this email" explanation (`explanation`). No I/O: the clock, ids
and random jitter are passed in."""
