"""Grouping strategies: each turns an event into components, or none when it has nothing to say.

A version (issues/grouping/versions/) decides which strategies it asks, in which order.
"""
