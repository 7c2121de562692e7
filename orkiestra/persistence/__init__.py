"""All SQL lives here: routes, activities and the dispatcher call these functions."""
