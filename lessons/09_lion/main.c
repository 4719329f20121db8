/* main.c - lesson 09's program (placeholder). */
int main(void)
{
    return 0;
}
