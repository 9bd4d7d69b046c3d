"""Dashboard pages of outreaches (list, detail, forms), their batch actions, and sequences.

Views parse, call one service, render; the generic parts are core.dashboard's.
"""
