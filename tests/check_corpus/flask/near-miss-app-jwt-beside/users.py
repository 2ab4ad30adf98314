def check_password(username, password):
    return False
