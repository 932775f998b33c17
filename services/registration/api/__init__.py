"""Registration's JSON API: each handler validates, calls a workflow and answers (`refusals` words
what the workflows refuse). `applicants`: calls and what applicants do; `staff`: review and selection;
`cities`: the registry and the focal point's sign-up."""
