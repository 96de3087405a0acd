"""The staff side over HTTP, one module per area.

``reports`` (the list of received reports and opening one), ``queue`` (the queue and the bulk
close of a flood), ``case`` (the case page, which only shows), ``case_actions`` (one view per
verb on a case, each posting to its own URL and coming back to the case page), ``team`` (the
workload and reassignment) and ``audit`` (the audit search). ``listing`` holds what the lists
share: page numbers and translated choice labels.

Views only translate HTTP: every change is a verb of ``haven.cases.services``, and every view
states the one permission it needs with ``haven.accounts.access.requires``.
"""
