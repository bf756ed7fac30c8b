"""Server-rendered pages for associations, enterprises, regulators and admins.

The pages call the same service functions as the API, with the signed-in
user's Actor, so every page shows only what that user may see.
"""
