from flask import Blueprint

bp = Blueprint("common", __name__)
